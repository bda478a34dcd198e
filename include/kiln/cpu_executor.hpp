// kiln/cpu_executor.hpp: evaluates an expression tree on the cpu in one pass: an xsimd loop over
// full batches (the SIMD body) and a scalar loop for the remaining elements (the tail), split into
// fixed blocks run on kiln's thread pool. Block boundaries depend only on n, so every result
// (reductions included: partials are combined in block order) is the same for any thread count.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "expr_nodes.hpp"
#include "parallel.hpp"
#include "third_party/xsimd.hpp"

namespace kiln::cpu_exec {

// Elements per parallel block: a multiple of every SIMD width, large enough to amortize the
// hand-off, small enough to balance two to a few dozen threads on tensors of a few MB.
inline constexpr std::size_t block_elements = 32768;

// Destinations at least this large bypass the caches (non-temporal stores): they would not fit
// anyway, and skipping the read-for-ownership saves a third of the memory traffic of y = f(x).
// Batches per step for trees that draw random numbers: 8 Philox registers in flight hide the
// multiply latency (measured: 0.42 ns per float uniform at 1 thread, against 0.49 with 4, 0.66 with 1).
// AVX-512 takes 12 (6 word-sliced groups of 8 blocks, philox_simd.hpp): uniform floats 0.47 -> 0.46 ns
// against 8 on an Intel Xeon with two AVX-512 units (the sliced rounds themselves: 0.53 -> 0.47).
inline constexpr std::size_t random_group = std::is_base_of_v<xsimd::avx512f, simd::batch<float>::arch_type> ? 12 : 8;
// The group of a random tree of T: random_group batches, and for float at least one 64-float chunk
// of the uniform layout (docs/random.md; 16 batches on SSE2, where only the uniform float is vectorized).
template <class T>
inline constexpr std::size_t random_group_for =
    std::is_same_v<T, float> && random_group * simd::batch<float>::size < 64 ? 64 / simd::batch<float>::size
                                                                             : random_group;

inline constexpr std::size_t stream_bytes = std::size_t(8) << 20;

// The serial loops evaluate elements [begin, end) of a tree: dst[i] = e.at(i), the same index for
// the destination and the tree. A parallel block runs its own range of the same tree, so a tree has
// one instantiation of each loop whether it is split into blocks or not (a wrapper node shifting the
// tree's index would be a second type, and double the code every expression compiles to).
namespace serial {
template <class T, class Node>
void assign(T* dst, const Node& tree, std::size_t begin, std::size_t end, bool streaming = false) {
    static_assert(std::is_same_v<T, typename Node::value_type>);
    // A local copy of the tree (pointers and scalars): stores through dst, which the vector store
    // intrinsics make may-alias anything, cannot change it, so the compiler keeps its fields (a
    // random key, a scale, a pointer) in registers instead of reloading them every iteration.
    const Node e = tree;
    std::size_t i = begin;
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        // Random trees: G batches per step through simd_group (interleaved Philox rounds).
        constexpr std::size_t G = node::draws_counter_blocks<Node>::value ? random_group_for<T> : 1;
        // Streaming needs batch-aligned stores; kiln's own storage is aligned and blocks start at
        // multiples of block_elements, so only an unaligned view falls back to plain stores. The
        // choice is a run-time branch per store (always predicted), so the loops, and a random
        // tree's Philox rounds in them, are compiled once rather than once per kind of store.
        const bool nt = streaming && reinterpret_cast<std::uintptr_t>(dst + begin) % (W * sizeof(T)) == 0;
        const auto put = [nt](T* p, const B& v) {
            if (nt)
                simd::stream(p, v);
            else
                simd::store(p, v);
        };
        if constexpr (G > 1) {
            const std::size_t groups = end - (end - begin) % (G * W);
            for (; i < groups; i += G * W) {
                B v[G];
                node::simd_group(e, i, v);
                KILN_UNROLL
                for (std::size_t g = 0; g < G; ++g) put(dst + i + g * W, v[g]);
            }
        }
        const std::size_t body = end - (end - i) % W;
        for (; i < body; i += W) put(dst + i, e.template simd<B>(i));
        if (nt) simd::stream_fence();
    }
    for (; i < end; ++i) dst[i] = e.at(i);
}

template <class Node>
auto sum(const Node& e, std::size_t begin, std::size_t end) {
    using T = typename Node::value_type;
    std::size_t i = begin;
    T acc = T(0);
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        const std::size_t body = end - (end - begin) % W;
        if (body > begin) {
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
    for (; i < end; ++i) acc += e.at(i);
    return acc;
}

// begin < end
template <class Op, class Node>
auto fold_extremum(const Node& e, std::size_t begin, std::size_t end) {
    using T = typename Node::value_type;
    std::size_t i = begin + 1;
    T acc = e.at(begin);
    if constexpr (Node::vectorizable) {
        using B = simd::batch<T>;
        constexpr std::size_t W = B::size;
        if (end - begin >= W) {
            B a = e.template simd<B>(begin);
            i = begin + W;
            const std::size_t body = end - (end - begin) % W;
            for (; i < body; i += W) a = Op{}(a, e.template simd<B>(i));
            alignas(simd::alignment) T lanes[W];
            a.store_aligned(lanes);
            acc = lanes[0];
            for (std::size_t k = 1; k < W; ++k) acc = Op{}(acc, lanes[k]);
        }
    }
    for (; i < end; ++i) acc = Op{}(acc, e.at(i));
    return acc;
}

}  // namespace serial

template <class T, class Node>
void assign(T* dst, const Node& e, std::size_t n) {
    const std::size_t blocks = (n + block_elements - 1) / block_elements;
    if (blocks <= 1) return serial::assign(dst, e, 0, n);
    const bool streaming = n * sizeof(T) >= stream_bytes;
    parallel_for(blocks, [&](std::size_t b) {
        const std::size_t lo = b * block_elements;
        serial::assign(dst, e, lo, std::min(n, lo + block_elements), streaming);
    });
}

template <class Node>
auto sum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    const std::size_t blocks = (n + block_elements - 1) / block_elements;
    if (blocks <= 1) return serial::sum(e, 0, n);
    std::vector<T> part(blocks);
    parallel_for(blocks, [&](std::size_t b) {
        const std::size_t lo = b * block_elements;
        part[b] = serial::sum(e, lo, std::min(n, lo + block_elements));
    });
    T acc = T(0);
    for (T p : part) acc += p;
    return acc;
}

template <class Op, class Node>
auto fold_extremum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    const std::size_t blocks = (n + block_elements - 1) / block_elements;
    if (blocks <= 1) return serial::fold_extremum<Op>(e, 0, n);
    std::vector<T> part(blocks);
    parallel_for(blocks, [&](std::size_t b) {
        const std::size_t lo = b * block_elements;
        part[b] = serial::fold_extremum<Op>(e, lo, std::min(n, lo + block_elements));
    });
    T acc = part[0];
    for (std::size_t b = 1; b < blocks; ++b) acc = Op{}(acc, part[b]);
    return acc;
}

#ifdef KILN_SEPARATE_KERNELS
// Constant fills (zeros, ones, full, fill, the Zero/One/Constant initializers), compiled once in
// <kiln/separate_kernels.hpp> with the other separately compiled code (see KILN_DECL in config.hpp).
extern template void assign<float, node::scalar<float>>(float*, const node::scalar<float>&, std::size_t);
extern template void assign<double, node::scalar<double>>(double*, const node::scalar<double>&, std::size_t);
#endif

}  // namespace kiln::cpu_exec
