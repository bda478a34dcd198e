// kiln/tensor.hpp: Tensor<T, Shape, Device> (owning), TensorView (non-owning) and lazy Expr.
//
// Data flow: a Shape says how many elements there are (static where known); device_ops<D>::storage
// owns them; operators build an Expr (a node tree + the checked shape + the device context) without
// touching memory; assigning an Expr runs the device's executor once over the whole tree.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "device.hpp"
#include "device_ops.hpp"
#include "expr_nodes.hpp"
#include "shape.hpp"

namespace kiln {

template <class T, ShapeType S, Device D = cpu>
class Tensor;
template <class T, ShapeType S, Device D = cpu>
class TensorView;
template <class Node, ShapeType S, Device D>
class Expr;

template <class X>
struct is_operand : std::false_type {};
template <class T, class S, class D>
struct is_operand<Tensor<T, S, D>> : std::true_type {};
template <class T, class S, class D>
struct is_operand<TensorView<T, S, D>> : std::true_type {};
template <class N, class S, class D>
struct is_operand<Expr<N, S, D>> : std::true_type {};
template <class X>
concept Operand = is_operand<std::remove_cvref_t<X>>::value;
template <class X>
concept Scalar = std::is_arithmetic_v<std::remove_cvref_t<X>>;

template <class T>
concept Element = std::is_same_v<T, float> || std::is_same_v<T, double>;

// --------------------------------------------------------------------------------------------
// A lazy expression: nothing is computed until it is assigned (or reduced).
template <class Node, ShapeType S, Device D>
class Expr {
public:
    using node_type = Node;
    using value_type = typename Node::value_type;
    using shape_type = S;
    using device_type = D;

    constexpr Expr(Node n, S s, D ctx) : node_(n), shape_(s), ctx_(ctx) {}
    const Node& node() const { return node_; }
    const S& shape() const { return shape_; }
    D context() const { return ctx_; }
    std::size_t size() const { return shape_.size(); }

private:
    Node node_;
    S shape_;
    D ctx_;
};

namespace detail {

// Selects the constructor that allocates without writing (the caller fills every element).
struct uninitialized_t {
    explicit uninitialized_t() = default;
};

template <class T, class S, class D>
auto as_expr(const Tensor<T, S, D>& t) {
    return Expr<node::leaf<T>, S, D>(node::leaf<T>{t.data(), t.size()}, t.shape(), t.context());
}
template <class T, class S, class D>
auto as_expr(const TensorView<T, S, D>& t) {
    return Expr<node::leaf<T>, S, D>(node::leaf<T>{t.data(), t.size()}, t.shape(), t.context());
}
template <class N, class S, class D>
const Expr<N, S, D>& as_expr(const Expr<N, S, D>& e) {
    return e;
}

template <class Op, class NA, class SA, class DA, class NB, class SB, class DB>
auto make_binary(const Expr<NA, SA, DA>& a, const Expr<NB, SB, DB>& b) {
    check_same_device_type<DA, DB>();
    static_assert(std::is_same_v<typename NA::value_type, typename NB::value_type>,
                  "kiln: operands have different element types (float vs double); convert one explicitly with "
                  "kiln::cast<float>(x) or kiln::cast<double>(x)");
    auto s = check_same_shape(a.shape(), b.shape());
    check_same_ordinal(a.context(), b.context());
    using N = node::binary<Op, NA, NB>;
    return Expr<N, decltype(s), DA>(N{a.node(), b.node()}, s, a.context());
}

template <class Op, class NA, class SA, class DA, class X>
auto make_binary_scalar(const Expr<NA, SA, DA>& a, X x) {
    using T = typename NA::value_type;
    using N = node::binary<Op, NA, node::scalar<T>>;
    return Expr<N, SA, DA>(N{a.node(), node::scalar<T>{static_cast<T>(x)}}, a.shape(), a.context());
}

template <class Op, class X, class NB, class SB, class DB>
auto make_scalar_binary(X x, const Expr<NB, SB, DB>& b) {
    using T = typename NB::value_type;
    using N = node::binary<Op, node::scalar<T>, NB>;
    return Expr<N, SB, DB>(N{node::scalar<T>{static_cast<T>(x)}, b.node()}, b.shape(), b.context());
}

template <class Op, class NA, class SA, class DA>
auto make_unary(const Expr<NA, SA, DA>& a) {
    using N = node::unary<Op, NA>;
    return Expr<N, SA, DA>(N{a.node()}, a.shape(), a.context());
}

template <class Dst, class Src, class T>
void transfer(T* dst, const T* src, std::size_t n) {
    if constexpr (std::is_same_v<Src, cpu>) {
        device_ops<Dst>::from_host(dst, src, n);
    } else if constexpr (std::is_same_v<Dst, cpu>) {
        device_ops<Src>::to_host(dst, src, n);
    } else {
        device_ops<Dst>::copy_within(dst, src, n);
    }
}

inline bool overlaps(const void* b, const void* e, const void* db, const void* de) {
    auto ub = reinterpret_cast<std::uintptr_t>(b), ue = reinterpret_cast<std::uintptr_t>(e);
    auto udb = reinterpret_cast<std::uintptr_t>(db), ude = reinterpret_cast<std::uintptr_t>(de);
    return ub < ude && udb < ue;
}

// Runs node into dst[0, n). If an operand partially overlaps the destination (a shifted view of the
// same memory), element i could read a value already overwritten: evaluate into a temporary first.
template <class T, class D, class Node>
void execute(T* dst, std::size_t n, D ctx, const Node& nd) {
    bool partial = false;
    nd.leaves([&](const void* b, const void* e) {
        if (b != static_cast<const void*>(dst) && overlaps(b, e, dst, dst + n)) partial = true;
    });
    if (!partial) {
        device_ops<D>::run(dst, nd, n);
    } else {
        typename device_ops<D>::template storage<T> tmp(n, ctx);
        device_ops<D>::run(tmp.data(), nd, n);
        device_ops<D>::copy_within(dst, tmp.data(), n);
    }
}

// Row-major offset of a multi-index, bounds-checked.
template <class S, class... I>
std::size_t offset_of(const S& s, I... idx) {
    static_assert(sizeof...(I) == S::rank(), "kiln: at() takes exactly one index per dimension");
    const std::size_t ix[] = {static_cast<std::size_t>(idx)...};
    std::size_t off = 0;
    for (std::size_t k = 0; k < S::rank(); ++k) {
        if (ix[k] >= s[k]) {
            std::string where = "(";
            for (std::size_t j = 0; j < S::rank(); ++j) where += (j ? ", " : "") + std::to_string(ix[j]);
            where += S::rank() == 1 ? ",)" : ")";
            throw std::out_of_range("kiln: index " + where + " is out of range for shape " + s.str());
        }
        off = off * s[k] + ix[k];
    }
    return off;
}

// Tail of a shape type: Shape<A, B...> -> Shape<B...>
template <class S>
struct tail_shape;
template <std::size_t A, std::size_t... B>
struct tail_shape<Shape<A, B...>> {
    using type = Shape<B...>;
    static type of(const Shape<A, B...>& s) {
        type t{};
        for (std::size_t i = 0; i < sizeof...(B); ++i) t.set_runtime_extent(i, s[i + 1]);
        return t;
    }
};
template <class S>
struct slice_shape;
template <std::size_t A, std::size_t... B>
struct slice_shape<Shape<A, B...>> {
    using type = Shape<dyn, B...>;
};

// Shared read/write interface of Tensor and TensorView (CRTP).
template <class Derived, class T, class S, class D>
class tensor_api {
public:
    using value_type = T;
    using shape_type = S;
    using device_type = D;

    static constexpr std::size_t rank() { return S::rank(); }
    std::size_t size() const { return self().shape().size(); }

    // Element access (cpu only; for a gpu tensor, copy with .to(cpu(0)) first).
    template <class... I>
    T& at(I... idx) {
        static_assert(std::is_same_v<D, cpu>, "kiln: at() reads host memory; copy a gpu tensor with .to(kiln::cpu(0))");
        return self().data()[offset_of(self().shape(), idx...)];
    }
    template <class... I>
    const T& at(I... idx) const {
        static_assert(std::is_same_v<D, cpu>, "kiln: at() reads host memory; copy a gpu tensor with .to(kiln::cpu(0))");
        return self().data()[offset_of(self().shape(), idx...)];
    }

    // The elements, copied into host memory in row-major order.
    std::vector<T> to_vector() const {
        std::vector<T> v(size());
        transfer<cpu, D>(v.data(), self().data(), size());
        return v;
    }

    // A copy on another device (or another ordinal of the same kind).
    template <Device D2>
    Tensor<T, S, D2> to(D2 ctx) const {
        Tensor<T, S, D2> out(self().shape(), ctx, uninitialized_t{});
        transfer<D2, D>(out.data(), self().data(), size());
        return out;
    }

    static constexpr bool is_owning = std::is_same_v<Derived, Tensor<T, S, D>>;
#define KILN_DANGLING_VIEW                                                                                       \
    "kiln: this makes a view of a temporary Tensor, which is destroyed at the end of the statement; store the " \
    "tensor in a variable first (auto t = ...; auto v = t.reshape(...))"

    // Sub-tensor i along axis 0 (a view: Gluon's x[i]).
    auto operator[](std::size_t i) & {
        static_assert(S::rank() >= 1, "kiln: cannot index a 0-d tensor");
        using TS = tail_shape<S>;
        if (i >= self().shape()[0])
            throw std::out_of_range("kiln: index " + std::to_string(i) + " is out of range for axis 0 of shape " +
                                    self().shape().str());
        auto ts = TS::of(self().shape());
        return TensorView<T, typename TS::type, D>(self().data() + i * ts.size(), ts, self().context());
    }

    // Rows [begin, end) along axis 0 (a view; the first extent becomes a runtime extent).
    auto slice(std::size_t begin, std::size_t end) & {
        static_assert(S::rank() >= 1, "kiln: cannot slice a 0-d tensor");
        const auto& s = self().shape();
        if (begin > end || end > s[0])
            throw std::out_of_range("kiln: slice [" + std::to_string(begin) + ", " + std::to_string(end) +
                                    ") is out of range for axis 0 of shape " + s.str());
        using VS = typename slice_shape<S>::type;
        VS vs{};
        vs.set_runtime_extent(0, end - begin);
        for (std::size_t k = 1; k < S::rank(); ++k) vs.set_runtime_extent(k, s[k]);
        const std::size_t row = s[0] ? s.size() / s[0] : 0;
        return TensorView<T, VS, D>(self().data() + begin * row, vs, self().context());
    }

    // The same elements under another shape of equal size (a view).
    template <ShapeType S2>
    TensorView<T, S2, D> reshape(const S2& s2) & {
        if (s2.size() != size())
            throw shape_error("kiln: cannot reshape " + self().shape().str() + " to " + s2.str() +
                              ": sizes differ (" + std::to_string(size()) + " vs " + std::to_string(s2.size()) + ")");
        return TensorView<T, S2, D>(self().data(), s2, self().context());
    }

    // A view of a temporary Tensor would dangle as soon as the statement ends: refuse to make one.
    auto operator[](std::size_t i) && {
        static_assert(!is_owning, KILN_DANGLING_VIEW);
        return (*this)[i];
    }
    auto slice(std::size_t begin, std::size_t end) && {
        static_assert(!is_owning, KILN_DANGLING_VIEW);
        return (*this).slice(begin, end);
    }
    template <ShapeType S2>
    auto reshape(const S2& s2) && {
        static_assert(!is_owning, KILN_DANGLING_VIEW);
        return (*this).reshape(s2);
    }
#undef KILN_DANGLING_VIEW

    void fill(T v) { execute(self().data(), size(), self().context(), node::scalar<T>{v}); }

    // Assigning an expression evaluates it in one pass. Shapes (statically where possible), devices
    // and element types are checked before anything is written.
    template <class N, class S2, class D2>
    void assign(const Expr<N, S2, D2>& e) {
        check_same_device_type<D, D2>();
        static_assert(std::is_same_v<T, typename N::value_type>,
                      "kiln: assigning an expression of another element type; convert with kiln::cast<T>(x)");
        (void)check_same_shape(self().shape(), e.shape());
        check_same_ordinal(self().context(), e.context());
        execute(self().data(), size(), self().context(), e.node());
    }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    const Derived& self() const { return static_cast<const Derived&>(*this); }
};

}  // namespace detail

// --------------------------------------------------------------------------------------------
template <class T, ShapeType S, Device D>
class Tensor : public detail::tensor_api<Tensor<T, S, D>, T, S, D> {
    static_assert(Element<T>, "kiln: Tensor element type must be float or double");
    using base = detail::tensor_api<Tensor<T, S, D>, T, S, D>;
    using storage_t = typename detail::device_ops<D>::template storage<T>;
    friend base;

public:
    using uninitialized_tag = detail::uninitialized_t;

    // Zero-filled tensor of shape s on ctx.
    explicit Tensor(const S& s = S{}, D ctx = D{}) : Tensor(s, ctx, uninitialized_tag{}) { this->fill(T(0)); }
    Tensor(const S& s, D ctx, uninitialized_tag) : shape_(s), ctx_(ctx), store_(s.size(), ctx) {}

    // Evaluate an expression into a new tensor.
    template <class N, class S2>
    Tensor(const Expr<N, S2, D>& e) : Tensor(shape_from<S>(e.shape().dims().data(), S2::rank()), e.context(), uninitialized_tag{}) {
        this->assign(e);
    }
    // Copy a view into a new tensor.
    template <class S2>
    explicit Tensor(const TensorView<T, S2, D>& v)
        : Tensor(shape_from<S>(v.shape().dims().data(), S2::rank()), v.context(), uninitialized_tag{}) {
        this->assign(detail::as_expr(v));
    }

    Tensor(const Tensor& o) : Tensor(o.shape_, o.ctx_, uninitialized_tag{}) {
        detail::device_ops<D>::copy_within(data(), o.data(), o.size());
    }
    Tensor(Tensor&&) noexcept = default;
    Tensor& operator=(const Tensor& o) {
        if (this != &o) {
            Tensor tmp(o);
            *this = std::move(tmp);
        }
        return *this;
    }
    Tensor& operator=(Tensor&&) noexcept = default;

    template <class N, class S2, class D2>
    Tensor& operator=(const Expr<N, S2, D2>& e) {
        this->assign(e);
        return *this;
    }
    template <class S2, class D2>
    Tensor& operator=(const TensorView<T, S2, D2>& v) {
        this->assign(detail::as_expr(v));
        return *this;
    }
    template <class S2, class D2>
        requires(!std::is_same_v<Tensor<T, S2, D2>, Tensor>)
    Tensor& operator=(const Tensor<T, S2, D2>& v) {
        this->assign(detail::as_expr(v));
        return *this;
    }

    const S& shape() const { return shape_; }
    D context() const { return ctx_; }
    T* data() { return store_.data(); }
    const T* data() const { return store_.data(); }

    TensorView<T, S, D> view() { return TensorView<T, S, D>(data(), shape_, ctx_); }

private:
    S shape_;
    D ctx_;
    storage_t store_;
};

template <class T, ShapeType S, Device D>
class TensorView : public detail::tensor_api<TensorView<T, S, D>, T, S, D> {
    using base = detail::tensor_api<TensorView<T, S, D>, T, S, D>;
    friend base;

public:
    TensorView(T* p, const S& s, D ctx) : p_(p), shape_(s), ctx_(ctx) {}
    TensorView(Tensor<T, S, D>& t) : TensorView(t.data(), t.shape(), t.context()) {}
    // Copying a view makes another view of the same elements; assigning to a view writes through it.
    TensorView(const TensorView&) = default;

    // Assignment writes through the view (it never rebinds it).
    TensorView& operator=(const TensorView& v) {
        this->assign(detail::as_expr(v));
        return *this;
    }
    template <class N, class S2, class D2>
    TensorView& operator=(const Expr<N, S2, D2>& e) {
        this->assign(e);
        return *this;
    }
    template <class S2, class D2>
    TensorView& operator=(const TensorView<T, S2, D2>& v) {
        this->assign(detail::as_expr(v));
        return *this;
    }
    template <class S2, class D2>
    TensorView& operator=(const Tensor<T, S2, D2>& v) {
        this->assign(detail::as_expr(v));
        return *this;
    }

    const S& shape() const { return shape_; }
    D context() const { return ctx_; }
    T* data() const { return p_; }

private:
    T* p_;
    S shape_;
    D ctx_;
};

// Evaluate any operand into a new tensor.
template <Operand E>
auto eval(const E& e) {
    auto x = detail::as_expr(e);
    using X = decltype(x);
    return Tensor<typename X::value_type, typename X::shape_type, typename X::device_type>(x);
}

// --------------------------------------------------------------------------------------------
// Operators.
#define KILN_BINARY_OPERATOR(SYM, OP)                                                         \
    template <Operand A, Operand B>                                                          \
    auto operator SYM(const A& a, const B& b) {                                              \
        return detail::make_binary<OP>(detail::as_expr(a), detail::as_expr(b));              \
    }                                                                                        \
    template <Operand A, Scalar X>                                                           \
    auto operator SYM(const A& a, X x) {                                                     \
        return detail::make_binary_scalar<OP>(detail::as_expr(a), x);                        \
    }                                                                                        \
    template <Scalar X, Operand B>                                                           \
    auto operator SYM(X x, const B& b) {                                                     \
        return detail::make_scalar_binary<OP>(x, detail::as_expr(b));                        \
    }
KILN_BINARY_OPERATOR(+, ops::plus)
KILN_BINARY_OPERATOR(-, ops::minus)
KILN_BINARY_OPERATOR(*, ops::multiplies)
KILN_BINARY_OPERATOR(/, ops::divides)
#undef KILN_BINARY_OPERATOR

template <Operand A>
auto operator-(const A& a) {
    return detail::make_unary<ops::negate>(detail::as_expr(a));
}

#define KILN_UNARY_FUNCTION(NAME, OP)                              \
    template <Operand A>                                          \
    auto NAME(const A& a) {                                       \
        return detail::make_unary<OP>(detail::as_expr(a));        \
    }
KILN_UNARY_FUNCTION(abs, ops::abs_)
KILN_UNARY_FUNCTION(exp, ops::exp_)
KILN_UNARY_FUNCTION(log, ops::log_)
KILN_UNARY_FUNCTION(sqrt, ops::sqrt_)
KILN_UNARY_FUNCTION(relu, ops::relu)
KILN_UNARY_FUNCTION(sigmoid, ops::sigmoid)
KILN_UNARY_FUNCTION(tanh, ops::tanh_)
#undef KILN_UNARY_FUNCTION

// Element-wise max/min against a scalar (or another operand of the same shape).
template <Operand A, Scalar X>
auto max(const A& a, X x) {
    return detail::make_binary_scalar<ops::maximum>(detail::as_expr(a), x);
}
template <Operand A, Scalar X>
auto min(const A& a, X x) {
    return detail::make_binary_scalar<ops::minimum>(detail::as_expr(a), x);
}
template <Operand A, Operand B>
auto max(const A& a, const B& b) {
    return detail::make_binary<ops::maximum>(detail::as_expr(a), detail::as_expr(b));
}
template <Operand A, Operand B>
auto min(const A& a, const B& b) {
    return detail::make_binary<ops::minimum>(detail::as_expr(a), detail::as_expr(b));
}

// Element type conversion, lazily.
template <Element U, Operand A>
auto cast(const A& a) {
    auto x = detail::as_expr(a);
    using X = decltype(x);
    using N = node::convert<U, typename X::node_type>;
    return Expr<N, typename X::shape_type, typename X::device_type>(N{x.node()}, x.shape(), x.context());
}

// --------------------------------------------------------------------------------------------
// Whole-tensor reductions (of any operand, fused with its expression).
template <Operand A>
auto sum(const A& a) {
    auto x = detail::as_expr(a);
    using X = decltype(x);
    return detail::device_ops<typename X::device_type>::sum(x.node(), x.size());
}
template <Operand A>
auto mean(const A& a) {
    auto x = detail::as_expr(a);
    using T = typename decltype(x)::value_type;
    if (x.size() == 0) throw shape_error("kiln: mean of an empty tensor of shape " + x.shape().str());
    return static_cast<T>(sum(x) / static_cast<T>(x.size()));
}
template <Operand A>
auto max(const A& a) {
    auto x = detail::as_expr(a);
    using X = decltype(x);
    if (x.size() == 0) throw shape_error("kiln: max of an empty tensor of shape " + x.shape().str());
    return detail::device_ops<typename X::device_type>::template fold<ops::maximum>(x.node(), x.size());
}
template <Operand A>
auto min(const A& a) {
    auto x = detail::as_expr(a);
    using X = decltype(x);
    if (x.size() == 0) throw shape_error("kiln: min of an empty tensor of shape " + x.shape().str());
    return detail::device_ops<typename X::device_type>::template fold<ops::minimum>(x.node(), x.size());
}

// --------------------------------------------------------------------------------------------
// Factories, close to Gluon's nd.zeros((1,8,224,224), ctx=...).
template <Element T = float, ShapeType S, Device D = cpu>
Tensor<T, S, D> zeros(const S& s, D ctx = D{}) {
    return Tensor<T, S, D>(s, ctx);
}
template <Element T = float, ShapeType S, Device D = cpu>
Tensor<T, S, D> full(const S& s, T value, D ctx = D{}) {
    Tensor<T, S, D> t(s, ctx, detail::uninitialized_t{});
    t.fill(value);
    return t;
}
template <Element T = float, ShapeType S, Device D = cpu>
Tensor<T, S, D> ones(const S& s, D ctx = D{}) {
    return full<T>(s, T(1), ctx);
}
// Values from host memory, row-major.
template <Element T = float, ShapeType S, Device D = cpu>
Tensor<T, S, D> from_values(const S& s, const std::vector<T>& values, D ctx = D{}) {
    if (values.size() != s.size())
        throw shape_error("kiln: " + std::to_string(values.size()) + " values do not fill shape " + s.str());
    Tensor<T, S, D> t(s, ctx, detail::uninitialized_t{});
    detail::transfer<D, cpu>(t.data(), values.data(), values.size());
    return t;
}
// [start, stop) in steps of step, as numpy/Gluon arange: ceil((stop - start) / step) elements.
template <Element T = float, Device D = cpu>
Tensor<T, Shape<dyn>, D> arange(double start, double stop, double step = 1.0, D ctx = D{}) {
    if (step == 0) throw std::invalid_argument("kiln: arange step must not be zero");
    const double span = (stop - start) / step;
    const std::size_t n = span > 0 ? static_cast<std::size_t>(std::ceil(span)) : 0;
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(start + static_cast<double>(i) * step);
    return from_values<T>(shape(n), v, ctx);
}
template <Element T = float, Device D = cpu>
Tensor<T, Shape<dyn>, D> arange(std::size_t n, D ctx = D{}) {
    return arange<T>(0.0, static_cast<double>(n), 1.0, ctx);
}

}  // namespace kiln
