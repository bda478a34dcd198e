// kiln/expr_nodes.hpp: the device-neutral expression tree.
//
// A node is a small trivially copyable value (raw pointers and scalars only) so the same tree is
// evaluated by the cpu executor (an xsimd loop: simd<B>(i) for the body, at(i) for the tail) and by
// the gpu executor (a Thrust transform over at(i), copied by value into the kernel). Nothing here
// knows about shapes or devices: those are checked once, when the user-facing Expr is built
// (expr.hpp), before anything is written.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "config.hpp"

namespace kiln::math {
// Scalar math usable on host and device. The xsimd batch overloads live in cpu_executor.hpp's
// include of third_party/xsimd.hpp (found by ADL on xsimd::batch).
KILN_HD inline float exp(float x) { return ::expf(x); }
KILN_HD inline double exp(double x) { return ::exp(x); }
KILN_HD inline float log(float x) { return ::logf(x); }
KILN_HD inline double log(double x) { return ::log(x); }
KILN_HD inline float sqrt(float x) { return ::sqrtf(x); }
KILN_HD inline double sqrt(double x) { return ::sqrt(x); }
KILN_HD inline float tanh(float x) { return ::tanhf(x); }
KILN_HD inline double tanh(double x) { return ::tanh(x); }
KILN_HD inline float abs(float x) { return ::fabsf(x); }
KILN_HD inline double abs(double x) { return ::fabs(x); }
// max/min with the semantics of the x86 max/min instructions (and xsimd): the second operand
// wins when the comparison is false, so a NaN in x yields s. Scalar tail and SIMD body agree.
template <class T>
KILN_HD inline T max(T x, T s) { return x > s ? x : s; }
template <class T>
KILN_HD inline T min(T x, T s) { return x < s ? x : s; }
}  // namespace kiln::math

namespace kiln::ops {
// Each operation is a stateless functor with two overloads: one for a scalar element (host and
// device) and one for an xsimd batch (host only, so nvcc never sees a host call from device code).
#define KILN_DEFINE_OP2(NAME, BODY)                                                                \
    struct NAME {                                                                                  \
        template <class X>                                                                         \
            requires std::is_arithmetic_v<X>                                                       \
        KILN_HD X operator()(X a, X b) const { BODY; }                                             \
        template <class X>                                                                         \
            requires(!std::is_arithmetic_v<X>)                                                     \
        X operator()(const X& a, const X& b) const { BODY; }                                       \
    };
#define KILN_DEFINE_OP1(NAME, BODY)                                                                \
    struct NAME {                                                                                  \
        template <class X>                                                                         \
            requires std::is_arithmetic_v<X>                                                       \
        KILN_HD X operator()(X a) const { BODY; }                                                  \
        template <class X>                                                                         \
            requires(!std::is_arithmetic_v<X>)                                                     \
        X operator()(const X& a) const { BODY; }                                                   \
    };
KILN_DEFINE_OP2(plus, return a + b)
KILN_DEFINE_OP2(minus, return a - b)
KILN_DEFINE_OP2(multiplies, return a * b)
KILN_DEFINE_OP2(divides, return a / b)
KILN_DEFINE_OP2(maximum, using kiln::math::max; return max(a, b))
KILN_DEFINE_OP2(minimum, using kiln::math::min; return min(a, b))
KILN_DEFINE_OP1(negate, return -a)
KILN_DEFINE_OP1(abs_, using kiln::math::abs; return abs(a))
KILN_DEFINE_OP1(exp_, using kiln::math::exp; return exp(a))
struct log_ {
    template <class X>
        requires std::is_arithmetic_v<X>
    KILN_HD X operator()(X a) const {
        using kiln::math::log;
        return log(a);
    }
    // A SIMD batch (the cpu executor). xsimd's double log is wrong for subnormal inputs (log(1e-310)
    // gives -746.5, not -713.8; its float log is right): those are scaled by 2^54 into the normal
    // range, and 54 ln 2 is subtracted from their logarithm.
    template <class X>
        requires(!std::is_arithmetic_v<X>)
    X operator()(const X& a) const {
        using kiln::math::log;
        if constexpr (std::is_same_v<typename X::value_type, double>) {
            const auto subnormal = a < X(0x1p-1022);  // and zeros and negatives: log gives -inf, NaN
            const X r = log(select(subnormal, a * X(0x1p54), a));
            return select(subnormal, r - X(54.0 * 0.693147180559945309417), r);
        } else {
            return log(a);
        }
    }
};
KILN_DEFINE_OP1(sqrt_, using kiln::math::sqrt; return sqrt(a))
KILN_DEFINE_OP1(tanh_, using kiln::math::tanh; return tanh(a))
KILN_DEFINE_OP1(relu, using kiln::math::max; return max(a, X(0)))
KILN_DEFINE_OP1(sigmoid, using kiln::math::exp; return X(1) / (X(1) + exp(-a)))
#undef KILN_DEFINE_OP1
#undef KILN_DEFINE_OP2
}  // namespace kiln::ops

namespace kiln::node {

// out[g] = e.simd<B>(i + g * B::size), g < G. A node that computes several batches faster together
// than one by one (random nodes: interleaved Philox rounds) has a member simd_group; operator
// nodes forward to their operands; any other node is evaluated batch by batch.
template <class B, std::size_t G, class N>
KILN_SIMD_INLINE void simd_group(const N& e, std::size_t i, B (&out)[G]) {
    if constexpr (requires { e.template simd_group<B, G>(i, out); }) {
        e.template simd_group<B, G>(i, out);
    } else {
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = e.template simd<B>(i + g * B::size);
    }
}

// A tensor read: element i is p[i].
template <class T>
struct leaf {
    using value_type = T;
    static constexpr bool vectorizable = true;
    const T* p;
    std::size_t n;
    KILN_HD T at(std::size_t i) const { return p[i]; }
    template <class B>
    B simd(std::size_t i) const { return B::load_unaligned(p + i); }
    template <class F>
    void leaves(F&& f) const { f(static_cast<const void*>(p), static_cast<const void*>(p + n)); }
};

// A scalar broadcast to every element.
template <class T>
struct scalar {
    using value_type = T;
    static constexpr bool vectorizable = true;
    T v;
    KILN_HD T at(std::size_t) const { return v; }
    template <class B>
    B simd(std::size_t) const { return B(v); }
    template <class F>
    void leaves(F&&) const {}
};

template <class Op, class A>
struct unary {
    using value_type = typename A::value_type;
    static constexpr bool vectorizable = A::vectorizable;
    A a;
    KILN_HD value_type at(std::size_t i) const { return Op{}(a.at(i)); }
    template <class B>
    B simd(std::size_t i) const { return Op{}(a.template simd<B>(i)); }
    template <class B, std::size_t G>
    KILN_SIMD_INLINE void simd_group(std::size_t i, B (&out)[G]) const {
        node::simd_group(a, i, out);
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = Op{}(out[g]);
    }
    template <class F>
    void leaves(F&& f) const { a.leaves(f); }
};

template <class Op, class A, class C>
struct binary {
    using value_type = typename A::value_type;
    static_assert(std::is_same_v<value_type, typename C::value_type>);
    static constexpr bool vectorizable = A::vectorizable && C::vectorizable;
    A a;
    C b;
    KILN_HD value_type at(std::size_t i) const { return Op{}(a.at(i), b.at(i)); }
    template <class B>
    B simd(std::size_t i) const { return Op{}(a.template simd<B>(i), b.template simd<B>(i)); }
    template <class B, std::size_t G>
    KILN_SIMD_INLINE void simd_group(std::size_t i, B (&out)[G]) const {
        B rhs[G];
        node::simd_group(a, i, out);
        node::simd_group(b, i, rhs);
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = Op{}(out[g], rhs[g]);
    }
    template <class F>
    void leaves(F&& f) const {
        a.leaves(f);
        b.leaves(f);
    }
};

// Element type conversion (kiln::cast<U>(x)). Evaluated with the scalar path: the batch widths of
// U and T differ, so a converting tree is not vectorized.
template <class U, class A>
struct convert {
    using value_type = U;
    static constexpr bool vectorizable = false;
    A a;
    KILN_HD U at(std::size_t i) const { return static_cast<U>(a.at(i)); }
    template <class B>
    B simd(std::size_t) const {
        static_assert(sizeof(B) == 0, "kiln: convert nodes are evaluated element by element");
        return B{};
    }
    template <class F>
    void leaves(F&& f) const { a.leaves(f); }
};

// Whether a tree draws counter-based random numbers (kiln/random.hpp): such a node marks itself
// with `static constexpr bool counter_blocks = true`, because one Philox block gives several
// consecutive elements. The gpu executors then give each thread 4 consecutive elements, so that the
// compiler computes each block once instead of once per element (the results are the same).
template <class N>
struct draws_counter_blocks : std::bool_constant<requires { requires N::counter_blocks; }> {};
template <class Op, class A>
struct draws_counter_blocks<unary<Op, A>> : draws_counter_blocks<A> {};
template <class Op, class A, class C>
struct draws_counter_blocks<binary<Op, A, C>>
    : std::bool_constant<draws_counter_blocks<A>::value || draws_counter_blocks<C>::value> {};
template <class U, class A>
struct draws_counter_blocks<convert<U, A>> : draws_counter_blocks<A> {};

}  // namespace kiln::node
