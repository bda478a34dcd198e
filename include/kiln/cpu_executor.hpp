// kiln/cpu_executor.hpp: evaluates an expression tree on the cpu in one pass: an xsimd loop over
// full batches (the SIMD body) and a scalar loop for the remaining elements (the tail).
#pragma once

#include <cstddef>

#include "expr_nodes.hpp"
#include "third_party/xsimd.hpp"

namespace kiln::cpu_exec {

template <class T, class Node>
void assign(T* dst, const Node& e, std::size_t n) {
    static_assert(std::is_same_v<T, typename Node::value_type>);
    std::size_t i = 0;
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        const std::size_t body = n - n % W;
        for (; i < body; i += W) simd::store(dst + i, e.template simd<B>(i));
    }
    for (; i < n; ++i) dst[i] = e.at(i);
}

template <class Node>
auto sum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    std::size_t i = 0;
    T acc = T(0);
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        const std::size_t body = n - n % W;
        if (body) {
            // Four accumulators hide the add latency; the order is fixed, so the result is repeatable.
            B a0(T(0)), a1(T(0)), a2(T(0)), a3(T(0));
            for (; i + 4 * W <= body; i += 4 * W) {
                a0 += e.template simd<B>(i);
                a1 += e.template simd<B>(i + W);
                a2 += e.template simd<B>(i + 2 * W);
                a3 += e.template simd<B>(i + 3 * W);
            }
            for (; i < body; i += W) a0 += e.template simd<B>(i);
            acc = simd::reduce_sum((a0 + a1) + (a2 + a3));
        }
    }
    for (; i < n; ++i) acc += e.at(i);
    return acc;
}

// n >= 1
template <class Op, class Node>
auto fold_extremum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    std::size_t i = 1;
    T acc = e.at(0);
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        if (n >= W) {
            B a = e.template simd<B>(0);
            i = W;
            const std::size_t body = n - n % W;
            for (; i < body; i += W) a = Op{}(a, e.template simd<B>(i));
            alignas(simd::alignment) T lanes[W];
            a.store_aligned(lanes);
            acc = lanes[0];
            for (std::size_t k = 1; k < W; ++k) acc = Op{}(acc, lanes[k]);
        }
    }
    for (; i < n; ++i) acc = Op{}(acc, e.at(i));
    return acc;
}

}  // namespace kiln::cpu_exec
