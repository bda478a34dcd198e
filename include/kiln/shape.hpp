// kiln/shape.hpp: extents that are compile-time constants where known and runtime values where not.
//
//   Shape<1, 8, 3, 3>       every extent static: no storage at all, algebra folds at compile time
//   Shape<1, dyn, 3, 3>     extent 1 is a runtime value (one size_t of storage); 0 means "deferred"
//
// Build shapes with kiln::shape(...): an integer makes a runtime extent, kiln::c<N> a static one and
// kiln::deferred a runtime extent that is not known yet (printed as 0, as Gluon prints unknown dims).
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace kiln {

// Marks a runtime extent in Shape<...>.
inline constexpr std::size_t dyn = std::numeric_limits<std::size_t>::max();

// A static extent passed as a value.
template <std::size_t N>
using c_t = std::integral_constant<std::size_t, N>;
template <std::size_t N>
inline constexpr c_t<N> c{};

// The runtime sentinel for an extent that the first forward pass will fill. Prints as 0.
struct deferred_t {
    constexpr operator std::size_t() const noexcept { return 0; }
};
inline constexpr deferred_t deferred{};

// Thrown when shapes that involve runtime extents do not fit together. The message names both shapes.
class shape_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {
template <std::size_t N>
struct dyn_store {
    std::size_t v[N] = {};
    constexpr std::size_t& operator[](std::size_t i) { return v[i]; }
    constexpr const std::size_t& operator[](std::size_t i) const { return v[i]; }
};
template <>
struct dyn_store<0> {
    constexpr std::size_t operator[](std::size_t) const { return 0; }
};

// Python's tuple repr: (), (3,), (1, 0, 3, 3)
KILN_DECL std::string extents_text(const std::size_t* e, std::size_t rank);
// NDArray's: 1x1x7x7
KILN_DECL std::string extents_x_text(const std::size_t* e, std::size_t rank);
// shape_from's errors: extents e of the wrong rank, or that contradict a static extent of Shape<st...>.
[[noreturn]] KILN_COLD KILN_DECL void throw_rank_mismatch(const std::size_t* e, std::size_t rank,
                                                          std::size_t expected_rank);
[[noreturn]] KILN_COLD KILN_DECL void throw_does_not_fit(const std::size_t* e, const std::size_t* st,
                                                         std::size_t rank);
}  // namespace detail

template <std::size_t... Ns>
class Shape {
public:
    static constexpr std::size_t rank_v = sizeof...(Ns);
    static constexpr std::size_t dynamic_count = ((Ns == dyn ? 1 : 0) + ... + 0);
    static constexpr bool is_static = dynamic_count == 0;
    static constexpr std::array<std::size_t, rank_v> static_extents{Ns...};

    // Position of extent I among the runtime extents.
    static constexpr std::size_t dyn_slot(std::size_t i) {
        std::size_t k = 0;
        for (std::size_t j = 0; j < i; ++j)
            if (static_extents[j] == dyn) ++k;
        return k;
    }

    constexpr Shape() = default;

    // Runtime extents, in order (only the dyn positions).
    template <class... I>
        requires(sizeof...(I) == dynamic_count && dynamic_count > 0 && (std::is_convertible_v<I, std::size_t> && ...))
    constexpr explicit Shape(I... runtime_extents) {
        std::size_t k = 0;
        ((d_[k++] = static_cast<std::size_t>(runtime_extents)), ...);
    }

    static constexpr std::size_t rank() noexcept { return rank_v; }

    // Extent i (runtime index).
    constexpr std::size_t operator[](std::size_t i) const {
        if (static_extents[i] != dyn) return static_extents[i];
        return d_[dyn_slot(i)];
    }

    // Extent I: a c_t<N> when static, a size_t when not.
    template <std::size_t I>
    constexpr auto extent() const {
        static_assert(I < rank_v, "kiln: extent index out of range for this shape's rank");
        if constexpr (static_extents[I] != dyn) {
            return c_t<static_extents[I]>{};
        } else {
            return static_cast<std::size_t>(d_[dyn_slot(I)]);
        }
    }

    template <std::size_t I>
    static constexpr bool is_static_extent = (static_extents[I] != dyn);

    // Set a runtime extent (rank and static extents never change). Used by deferred filling.
    constexpr void set_runtime_extent(std::size_t i, std::size_t v) {
        if (static_extents[i] == dyn) {
            if constexpr (dynamic_count > 0) d_[dyn_slot(i)] = v;
        }
    }

    constexpr std::array<std::size_t, rank_v> dims() const {
        std::array<std::size_t, rank_v> r{};
        for (std::size_t i = 0; i < rank_v; ++i) r[i] = (*this)[i];
        return r;
    }

    static constexpr std::size_t static_size() requires is_static {
        std::size_t s = 1;
        for (auto e : static_extents) s *= e;
        return s;
    }

    constexpr std::size_t size() const {
        std::size_t s = 1;
        for (std::size_t i = 0; i < rank_v; ++i) s *= (*this)[i];
        return s;
    }

    // Gluon's shape_is_known (legacy mode): no zero extent and rank > 0.
    constexpr bool known() const {
        if (rank_v == 0) return false;
        for (std::size_t i = 0; i < rank_v; ++i)
            if ((*this)[i] == 0) return false;
        return true;
    }

    std::string str() const {
        auto d = dims();
        return detail::extents_text(d.data(), rank_v);
    }

    // "1x1x7x7" as in <NDArray 1x1x7x7 @cpu(0)>
    std::string x_str() const {
        auto d = dims();
        return detail::extents_x_text(d.data(), rank_v);
    }

    template <std::size_t... Ms>
    constexpr bool operator==(const Shape<Ms...>& o) const {
        if constexpr (sizeof...(Ms) != rank_v) {
            return false;
        } else {
            for (std::size_t i = 0; i < rank_v; ++i)
                if ((*this)[i] != o[i]) return false;
            return true;
        }
    }

private:
    [[no_unique_address]] detail::dyn_store<dynamic_count> d_{};
};

template <class S>
struct is_shape : std::false_type {};
template <std::size_t... Ns>
struct is_shape<Shape<Ns...>> : std::true_type {};
template <class S>
concept ShapeType = is_shape<std::remove_cvref_t<S>>::value;

template <std::size_t... Ns>
using fixed_shape = Shape<Ns...>;

// A shape with R runtime extents.
namespace detail {
template <std::size_t R, class Seq = std::make_index_sequence<R>>
struct dynamic_shape_impl;
template <std::size_t R, std::size_t... I>
struct dynamic_shape_impl<R, std::index_sequence<I...>> {
    using type = Shape<((void)I, dyn)...>;
};
}  // namespace detail
template <std::size_t R>
using dynamic_shape = typename detail::dynamic_shape_impl<R>::type;

// ---------------------------------------------------------------------------------------------
// kiln::shape(1, c<8>, deferred, 3): the shape's type records which extents are static.
namespace detail {
template <class A>
struct extent_arg {
    static_assert(std::is_integral_v<A> || std::is_same_v<A, deferred_t>,
                  "kiln::shape takes integers (runtime extents), kiln::c<N> (static) or kiln::deferred");
    static constexpr std::size_t value = dyn;
};
template <std::size_t N>
struct extent_arg<c_t<N>> {
    static constexpr std::size_t value = N;
};
template <class T, T N>
    requires(!std::is_same_v<T, std::size_t>)
struct extent_arg<std::integral_constant<T, N>> {
    static_assert(N >= 0, "kiln: a static extent must be non-negative");
    static constexpr std::size_t value = static_cast<std::size_t>(N);
};

template <class A>
constexpr bool is_runtime_extent_v = extent_arg<A>::value == dyn;

template <class A>
constexpr std::size_t runtime_value(A a) {
    if constexpr (std::is_integral_v<A>) {
        if constexpr (std::is_signed_v<A>) {
            if (a < 0) throw shape_error("kiln: a shape extent must be non-negative, got " + std::to_string(a));
        }
        return static_cast<std::size_t>(a);
    } else {
        return static_cast<std::size_t>(a);
    }
}

}  // namespace detail

template <class... A>
constexpr auto shape(A... a) {
    using S = Shape<detail::extent_arg<A>::value...>;
    S s{};
    [[maybe_unused]] std::size_t i = 0;
    (([&] {
         if constexpr (detail::is_runtime_extent_v<A>) s.set_runtime_extent(i, detail::runtime_value(a));
         ++i;
     }()),
     ...);
    return s;
}

// Build a shape of type S from runtime extents; static extents of S must agree.
template <ShapeType S>
constexpr S shape_from(const std::size_t* e, std::size_t rank) {
    S s{};
    if (rank != S::rank()) detail::throw_rank_mismatch(e, rank, S::rank());
    for (std::size_t i = 0; i < rank; ++i) {
        if (S::static_extents[i] != dyn && S::static_extents[i] != e[i])
            detail::throw_does_not_fit(e, S::static_extents.data(), rank);
        s.set_runtime_extent(i, e[i]);
    }
    return s;
}

// ---------------------------------------------------------------------------------------------
// Equality of shapes that must match element for element (expression operands, copies).
namespace detail {
template <class A, class B>
struct statically_equal;
template <std::size_t... A, std::size_t... B>
struct statically_equal<Shape<A...>, Shape<B...>> {
    static constexpr bool same_rank = sizeof...(A) == sizeof...(B);
    static constexpr bool value = [] {
        if constexpr (!same_rank) {
            return false;
        } else {
            return ((A == dyn || B == dyn || A == B) && ...);
        }
    }();
};

// Type of the shape that results from two matching shapes: static wherever either side is.
template <class A, class B>
struct merge;
template <std::size_t... A, std::size_t... B>
    requires(sizeof...(A) == sizeof...(B))
struct merge<Shape<A...>, Shape<B...>> {
    using type = Shape<(A != dyn ? A : B)...>;
};
}  // namespace detail

template <class A, class B>
using merged_shape_t = typename detail::merge<A, B>::type;

// Checks that a and b are the same shape; returns the merged shape.
// Both static and different: compile error. Runtime extents involved: kiln::shape_error.
template <std::size_t... A, std::size_t... B>
constexpr auto check_same_shape(const Shape<A...>& a, const Shape<B...>& b) {
    static_assert(sizeof...(A) == sizeof...(B),
                  "kiln: shapes of different rank cannot be combined element-wise (see the two Shape<...> "
                  "types in this instantiation); reshape one operand first");
    static_assert(detail::statically_equal<Shape<A...>, Shape<B...>>::value,
                  "kiln: static shapes do not match (see the two Shape<...> types in this instantiation); "
                  "element-wise operands and copies need identical shapes");
    using M = merged_shape_t<Shape<A...>, Shape<B...>>;
    if constexpr (M::dynamic_count == 0 && Shape<A...>::is_static && Shape<B...>::is_static) {
        return M{};
    } else {
        if (!(a == b)) throw shape_error("kiln: shapes do not match: " + a.str() + " vs " + b.str());
        M m{};
        for (std::size_t i = 0; i < M::rank(); ++i) m.set_runtime_extent(i, a[i]);
        return m;
    }
}

// numpy broadcasting of two shapes. Static when both shapes are static (compile error if they
// cannot broadcast); otherwise a runtime shape of the larger rank, kiln::shape_error if they cannot.
namespace detail {
template <class A, class B>
struct static_broadcast;
template <std::size_t... A, std::size_t... B>
struct static_broadcast<Shape<A...>, Shape<B...>> {
    static constexpr std::size_t ra = sizeof...(A), rb = sizeof...(B), r = ra > rb ? ra : rb;
    static constexpr std::array<std::size_t, ra> a{A...};
    static constexpr std::array<std::size_t, rb> b{B...};
    static constexpr std::size_t at(std::size_t i, bool* ok) {
        // i counts from the left of the result
        std::size_t ea = (i + ra >= r) ? a[i + ra - r] : 1;
        std::size_t eb = (i + rb >= r) ? b[i + rb - r] : 1;
        if (ea == eb || eb == 1) return ea;
        if (ea == 1) return eb;
        *ok = false;
        return 0;
    }
    static constexpr bool ok = [] {
        bool g = true;
        for (std::size_t i = 0; i < r; ++i) (void)at(i, &g);
        return g;
    }();
    template <std::size_t... I>
    static constexpr auto make(std::index_sequence<I...>) {
        bool g = true;
        (void)g;
        return Shape<at(I, &g)...>{};
    }
};
}  // namespace detail

template <std::size_t... A, std::size_t... B>
constexpr auto broadcast(const Shape<A...>& a, const Shape<B...>& b) {
    constexpr std::size_t r = sizeof...(A) > sizeof...(B) ? sizeof...(A) : sizeof...(B);
    if constexpr (Shape<A...>::is_static && Shape<B...>::is_static) {
        using BC = detail::static_broadcast<Shape<A...>, Shape<B...>>;
        static_assert(BC::ok,
                      "kiln: these static shapes cannot be broadcast together (see the two Shape<...> types in this "
                      "instantiation): aligned from the right, each pair of extents must be equal or contain a 1");
        return BC::make(std::make_index_sequence<r>{});
    } else {
        dynamic_shape<r> out{};
        const std::size_t ra = sizeof...(A), rb = sizeof...(B);
        for (std::size_t i = 0; i < r; ++i) {
            std::size_t ea = (i + ra >= r) ? a[i + ra - r] : 1;
            std::size_t eb = (i + rb >= r) ? b[i + rb - r] : 1;
            std::size_t e;
            if (ea == eb || eb == 1)
                e = ea;
            else if (ea == 1)
                e = eb;
            else
                throw shape_error("kiln: shapes cannot be broadcast together: " + a.str() + " vs " + b.str());
            out.set_runtime_extent(i, e);
        }
        return out;
    }
}

// ---------------------------------------------------------------------------------------------
// Convolution / pooling output extent (floor division, as Gluon/MXNet):
//   out = (in + 2*pad - (dilation*(kernel-1) + 1)) / stride + 1
// Static when every argument is a c_t; a deferred (0) input extent gives a deferred (0) output.
namespace detail {
constexpr bool conv_fits(std::size_t in, std::size_t k, std::size_t p, std::size_t d) {
    return in + 2 * p >= d * (k - 1) + 1;
}
constexpr std::size_t conv_formula(std::size_t in, std::size_t k, std::size_t s, std::size_t p, std::size_t d) {
    return (in + 2 * p - (d * (k - 1) + 1)) / s + 1;
}
template <class X>
constexpr bool is_c = false;
template <std::size_t N>
constexpr bool is_c<c_t<N>> = true;
}  // namespace detail

template <class In, class K, class S = c_t<1>, class P = c_t<0>, class D = c_t<1>>
constexpr auto conv_out_extent(In in, K kernel, S stride = {}, P pad = {}, D dilation = {}) {
    if constexpr (detail::is_c<In> && detail::is_c<K> && detail::is_c<S> && detail::is_c<P> && detail::is_c<D>) {
        static_assert(K::value >= 1 && S::value >= 1 && D::value >= 1,
                      "kiln: kernel, stride and dilation must be at least 1");
        static_assert(detail::conv_fits(In::value, K::value, P::value, D::value),
                      "kiln: kernel size exceeds the (padded) input extent");
        return c_t<detail::conv_formula(In::value, K::value, S::value, P::value, D::value)>{};
    } else {
        const std::size_t i = in, k = kernel, s = stride, p = pad, d = dilation;
        if (k < 1 || s < 1 || d < 1) throw shape_error("kiln: kernel, stride and dilation must be at least 1");
        if (i == 0) return std::size_t{0};  // deferred stays deferred
        if (!detail::conv_fits(i, k, p, d))
            throw shape_error("kiln: kernel size exceeds input: input extent " + std::to_string(i) + " with padding " +
                              std::to_string(p) + ", dilated kernel extent " + std::to_string(d * (k - 1) + 1));
        return detail::conv_formula(i, k, s, p, d);
    }
}

template <class In, class K, class S = c_t<1>, class P = c_t<0>>
constexpr auto pool_out_extent(In in, K kernel, S stride = {}, P pad = {}) {
    return conv_out_extent(in, kernel, stride, pad, c_t<1>{});
}

// ---------------------------------------------------------------------------------------------
// Filling deferred extents (Gluon's Parameter.shape setter): the rank never changes, a known extent
// never changes, a 0 may take any value. On failure the target is untouched and the message is
// Gluon's: "Expected shape <new> is incompatible with given shape <old>."
template <std::size_t... A, std::size_t... B>
constexpr void fill_deferred(Shape<A...>& target, const Shape<B...>& given) {
    static_assert(sizeof...(A) == sizeof...(B),
                  "kiln: a deferred shape can only be filled from a shape of the same rank");
    Shape<A...> next = target;
    bool ok = true;
    for (std::size_t i = 0; i < sizeof...(A); ++i) {
        const std::size_t old = target[i], nw = given[i];
        if (old == nw) continue;
        if (old != 0 || Shape<A...>::static_extents[i] != dyn) {
            ok = false;
            break;
        }
        next.set_runtime_extent(i, nw);
    }
    if (!ok)
        throw shape_error("Expected shape " + given.str() + " is incompatible with given shape " + target.str() + ".");
    target = next;
}

}  // namespace kiln

#if KILN_HEADER_ONLY
#include "impl/shape.ipp"
#endif
