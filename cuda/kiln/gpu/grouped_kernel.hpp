// kiln/gpu/grouped_kernel.hpp (CUDA; empty for host compilers): the kernel that evaluates a tree drawing
// counter-based random numbers (node::draws_counter_blocks), used by the fused executor
// (kiln/gpu/executor.hpp) and by libkiln_cuda (cuda/src/launch.cuh), and the launch geometry that
// libkiln_cuda's other element-wise kernel shares.
//
// Each thread computes 4 consecutive elements 4g .. 4g+3: for float they share one Philox block,
// which the compiler then computes once instead of 4 times (element 4g is unconditional and
// dominates the others). When dst is 16-byte aligned a full group is written with vector stores
// (one 16-byte store per 4 floats, two per 4 doubles), so that each store instruction of a warp
// covers 512 contiguous bytes instead of 32 words 16 bytes apart. Every element reads only its own
// operands and a thread reads its 4 before it writes them, so dst may be an operand (in place).
#pragma once

// CUDA kernels: a host compiler sees nothing below (as in conv2d_igemm.hpp's CUDA part).
#if defined(__CUDACC__)

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <cuda_runtime_api.h>

#include <kiln/gpu/buffer.hpp>    // gpu_detail::check_cuda
#include <kiln/gpu/elements.hpp>  // gpu_exec::column_node

namespace kiln::gpu_detail {

// Whether 4 consecutive elements of T have a vector store here, and that store.
template <class T>
inline constexpr bool has_quad_store = std::is_same_v<T, float> || std::is_same_v<T, double>;

__device__ __forceinline__ void store_quad(float* p, float a, float b, float c, float d) {
    *reinterpret_cast<float4*>(p) = make_float4(a, b, c, d);
}
__device__ __forceinline__ void store_quad(double* p, double a, double b, double c, double d) {
    reinterpret_cast<double2*>(p)[0] = make_double2(a, b);
    reinterpret_cast<double2*>(p)[1] = make_double2(c, d);
}

// Launch geometry of kiln's element-wise kernels (here and libkiln_cuda's, cuda/src/launch.cuh):
// 256 threads a block, at most 2^20 blocks (the kernels are grid-stride loops).
inline constexpr unsigned kernel_threads = 256;
inline constexpr std::size_t kernel_max_blocks = std::size_t{1} << 20;

inline unsigned kernel_blocks(std::size_t work_items) {
    return static_cast<unsigned>(std::min((work_items + kernel_threads - 1) / kernel_threads, kernel_max_blocks));
}

// dst[i] = e.at(i) for i < n, by groups of 4 per thread (grid-stride). Vector: dst is 16-byte
// aligned and T has a quad store. A node with quad(i, T (&)[4]) (node::normal_random: both elements of
// a Box-Muller pair from one log, sqrt, sin and cos) gives the 4 values at once, bit for bit its at().
template <bool Vector, class T, class Node>
__global__ void __launch_bounds__(kernel_threads) grouped_kernel(T* dst, Node e, std::size_t n) {
    const std::size_t groups = (n + 3) / 4;
    const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
    for (std::size_t g = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; g < groups; g += stride) {
        const std::size_t i = g << 2;
        if constexpr (requires(T (&v)[4]) { e.quad(i, v); }) {  // a node that shares work across 4 elements
            T v[4];
            e.quad(i, v);
            if constexpr (Vector) {
                if (i + 4 <= n) {
                    store_quad(dst + i, v[0], v[1], v[2], v[3]);
                    continue;
                }
            }
            for (std::size_t j = 0; j < 4 && i + j < n; ++j) dst[i + j] = v[j];
            continue;
        }
        const T a = e.at(i);
        if constexpr (Vector) {
            if (i + 4 <= n) {
                store_quad(dst + i, a, e.at(i | 1), e.at(i | 2), e.at(i | 3));
                continue;
            }
        }
        dst[i] = a;
        if ((i | 1) < n) dst[i | 1] = e.at(i | 1);
        if ((i | 2) < n) dst[i | 2] = e.at(i | 2);
        if ((i | 3) < n) dst[i | 3] = e.at(i | 3);
    }
}

// A column_node (kiln/gpu/elements.hpp): one quad column of 16 elements per thread, three Philox
// blocks for the uniform float fill. The 4 threads of a chunk write its 64 contiguous elements,
// so a warp's 4 quad stores cover 8 whole chunks (2 KiB). Vector: dst is 16-byte aligned.
template <bool Vector, class T, class Node>
__global__ void __launch_bounds__(kernel_threads) column_kernel(T* dst, Node e, std::size_t n) {
    const std::size_t columns = gpu_exec::column_count(n);
    const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
    for (std::size_t q = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; q < columns; q += stride) {
        const std::size_t first = gpu_exec::column_first(q);
        if (Vector && first + 52 <= n) {  // all four quads inside
            T v[16];
            e.column(q, v);
            for (std::size_t r = 0; r < 4; ++r)
                store_quad(dst + first + 16 * r, v[4 * r], v[4 * r + 1], v[4 * r + 2], v[4 * r + 3]);
        } else {
            gpu_exec::store_column(dst, n, e, q);
        }
    }
}

// One launch on the current device and the default stream, checked with cudaGetLastError (a fault
// inside the kernel surfaces at the next synchronizing call, as a device_error naming that call).
template <class T, class Node>
void launch_grouped(T* dst, const Node& e, std::size_t n, const char* what) {
    if (n == 0) return;
    if constexpr (gpu_exec::column_node<Node>) {
        auto kernel = column_kernel<false, T, Node>;
        if (reinterpret_cast<std::uintptr_t>(dst) % 16 == 0) kernel = column_kernel<true, T, Node>;
        kernel<<<kernel_blocks(gpu_exec::column_count(n)), kernel_threads>>>(dst, e, n);
        check_cuda(cudaGetLastError(), what);
        return;
    }
    auto kernel = grouped_kernel<false, T, Node>;
    if constexpr (has_quad_store<T>)
        if (reinterpret_cast<std::uintptr_t>(dst) % 16 == 0) kernel = grouped_kernel<true, T, Node>;
    kernel<<<kernel_blocks((n + 3) / 4), kernel_threads>>>(dst, e, n);
    check_cuda(cudaGetLastError(), what);
}

}  // namespace kiln::gpu_detail

#endif  // __CUDACC__
