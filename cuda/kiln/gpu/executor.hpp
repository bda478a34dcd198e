// kiln/gpu/executor.hpp: evaluates an expression tree on the gpu tag's device system with one
// Thrust transform (one kernel under CUDA) per assignment, and reductions with transform_reduce.
#pragma once

#include <kiln/config.hpp>

#if KILN_GPU_PRECOMPILED
// A host-compiled file of a CUDA build: one precompiled libkiln_cuda kernel per operation.
#include <kiln/gpu/precompiled.hpp>
#else

#include <cstddef>

#include <kiln/expr_nodes.hpp>
#include <kiln/gpu/buffer.hpp>
#include <kiln/gpu/elements.hpp>  // column_node
#include <kiln/third_party/thrust.hpp>
#if defined(KILN_GPU_BACKEND_CUDA)
#include <kiln/gpu/grouped_kernel.hpp>
#endif

namespace kiln::gpu_exec {

template <class Node>
struct element_of {
    Node e;
    KILN_HD typename Node::value_type operator()(std::size_t i) const { return e.at(i); }
};

template <class Op>
struct as_binary {
    template <class T>
    KILN_HD T operator()(T a, T b) const { return Op{}(a, b); }
};

// dst[4g .. 4g+3] = e.at(...) for group g (the last group stops at n). Element 4g is unconditional,
// so the compiler reuses the Philox block it computes for the guarded elements that share it.
template <class T, class Node>
struct grouped_element {
    T* dst;
    Node e;
    std::size_t n;
    KILN_HD void operator()(std::size_t g) const {
        const std::size_t i = g << 2;
        dst[i] = e.at(i);
        if ((i | 1) < n) dst[i | 1] = e.at(i | 1);
        if ((i | 2) < n) dst[i | 2] = e.at(i | 2);
        if ((i | 3) < n) dst[i | 3] = e.at(i | 3);
    }
};

// Quad column q of a column_node (kiln/gpu/elements.hpp): 16 elements from one work item.
template <class T, class Node>
struct column_element {
    T* dst;
    Node e;
    std::size_t n;
    KILN_HD void operator()(std::size_t q) const { store_column(dst, n, e, q); }
};

template <class T, class Node>
void assign(T* dst, const Node& e, std::size_t n) {
    if (n == 0) return;
    thrust::counting_iterator<std::size_t> first(0);
#if !defined(KILN_GPU_BACKEND_CUDA)
    if constexpr (column_node<Node>) {  // (CUDA: launch_grouped below takes the same route)
        gpu_detail::thrust_checked("the expression kernel (thrust::for_each)", [&] {
            thrust::for_each(thrust::device, first, first + column_count(n), column_element<T, Node>{dst, e, n});
        });
        return;
    }
#endif
    if constexpr (node::draws_counter_blocks<Node>::value) {
        // Random trees: 4 consecutive elements per thread (one Philox block per 4 floats, not per
        // element). Every element still reads only its own operands, so in-place assignment holds.
#if defined(KILN_GPU_BACKEND_CUDA)
        // CUDA: kiln's own kernel, which also stores each group with vector stores
        gpu_detail::launch_grouped(dst, e, n, "cudaLaunchKernel (kiln random expression kernel)");
#else
        gpu_detail::thrust_checked("the expression kernel (thrust::for_each)", [&] {
            thrust::for_each(thrust::device, first, first + (n + 3) / 4, grouped_element<T, Node>{dst, e, n});
        });
#endif
        return;
    }
    gpu_detail::thrust_checked("the expression kernel (thrust::transform)", [&] {
        thrust::transform(thrust::device, first, first + n, dst, element_of<Node>{e});
    });
}

template <class Node>
auto sum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    thrust::counting_iterator<std::size_t> first(0);
    return gpu_detail::thrust_checked("the sum (thrust::transform_reduce)", [&] {
        return thrust::transform_reduce(thrust::device, first, first + n, element_of<Node>{e}, T(0),
                                        as_binary<ops::plus>{});
    });
}

// n >= 1
template <class Op, class Node>
auto fold_extremum(const Node& e, std::size_t n) {
    using T = typename Node::value_type;
    thrust::counting_iterator<std::size_t> first(0);
    return gpu_detail::thrust_checked("the max/min reduction (thrust::transform_reduce)", [&] {
        // element 0 seeds the fold; it is produced on the device by the same functor
        thrust::device_vector<T> seed(1);
        thrust::transform(thrust::device, first, first + 1, seed.begin(), element_of<Node>{e});
        T init{};
        thrust::copy(seed.begin(), seed.end(), &init);
        return thrust::transform_reduce(thrust::device, first, first + n, element_of<Node>{e}, init, as_binary<Op>{});
    });
}

}  // namespace kiln::gpu_exec

#endif  // KILN_GPU_PRECOMPILED
