// cuda/src/launch.cuh (private to libkiln_cuda): the element-wise kernel every precompiled
// single-operation expression runs, and its checked launch.
#pragma once

#include <cstddef>

#include <cuda_runtime_api.h>

#include <kiln/expr_nodes.hpp>  // node::draws_counter_blocks
#include <kiln/gpu/buffer.hpp>          // gpu_detail::check_cuda
#include <kiln/gpu/grouped_kernel.hpp>  // gpu_detail::launch_grouped, kernel_blocks

namespace kiln::gpu_lib::detail {

// dst[i] = e.at(i): the node's own device code, the same at(i) the cpu executor's scalar path and
// the nvcc (fused) executor evaluate. Grid-stride, so any n fits any grid. dst may be an operand of
// e (in-place assignment): element i reads only element i.
template <class T, class Node>
__global__ void elementwise_kernel(T* dst, Node e, std::size_t n) {
    const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
    for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride)
        dst[i] = e.at(i);
}

// One launch on the current device and the default stream, checked with cudaGetLastError. Not
// synchronized: a fault inside the kernel surfaces at the next synchronizing call (the copy that
// reads a result back), as a device_error naming that call.
template <class T, class Node>
void launch_elementwise(T* dst, std::size_t n, const Node& e) {
    if (n == 0) return;
    if constexpr (node::draws_counter_blocks<Node>::value) {
        // 4 consecutive elements per thread, vector stores (kiln/gpu/grouped_kernel.hpp)
        gpu_detail::launch_grouped(dst, e, n, "cudaLaunchKernel (kiln random fill kernel)");
    } else {
        elementwise_kernel<<<gpu_detail::kernel_blocks(n), gpu_detail::kernel_threads>>>(dst, e, n);
        gpu_detail::check_cuda(cudaGetLastError(), "cudaLaunchKernel (kiln element-wise kernel)");
    }
}

}  // namespace kiln::gpu_lib::detail
