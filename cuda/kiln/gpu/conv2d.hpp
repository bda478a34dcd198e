// kiln/gpu/conv2d.hpp: conv2d forward for the gpu tag. Included from kiln/nn/conv2d_kernels.hpp
// when the build has a gpu backend.
//
//   CUDA, file compiled by nvcc: the implicit-GEMM kernel of kiln/gpu/conv2d_igemm.hpp (exact FP32
//     with FFMA, or FP64; TF32 tensor cores only after kiln::gpu_set_allow_tf32(true)). Geometries
//     too large for its 32-bit index math fall back to the Thrust transform below.
//   CUDA, host-compiled file (precompiled mode): conv2d_forward_gpu<float/double> come from
//     libkiln_cuda (cuda/src/layers.cu), which compiles this file with nvcc.
//   Thrust CPP/OMP (host compilers, CI): one Thrust transform over the output, one thread per output
//     element computing its full dot product.
#pragma once

#include <atomic>

#include <kiln/config.hpp>

namespace kiln {

namespace gpu_detail {
inline std::atomic<bool> allow_tf32{false};
}

// TF32 tensor cores for float convolutions on the gpu tag (CUDA backend, sm_80 and newer). Off by
// default: results are then exact FP32 (every product-sum is a float FMA, as the cpu kernel). On, the
// kernel rounds x and w to TF32 (10 mantissa bits, like PyTorch's allow_tf32) before each product;
// sums stay FP32. Process-wide, thread-safe, read at each call. The host backends ignore it.
inline void gpu_set_allow_tf32(bool allow) { gpu_detail::allow_tf32.store(allow); }
inline bool gpu_allow_tf32() { return gpu_detail::allow_tf32.load(); }

}  // namespace kiln

#include <kiln/gpu/elements.hpp>
#include <kiln/nn/conv2d_kernels.hpp>  // (a no-op where that file includes this one, at its end)

namespace kiln::nn::kernels::conv_detail {
// The per-output functor of the direct gpu kernel for p (the Thrust transform below, and the host
// library of a -DKILN_SEPARATE_KERNELS program, kiln/gpu/host_library.ipp).
template <class T>
gpu_exec::conv2d_element<T> gpu_element_of(const conv2d_params& p, const T* x, const T* w, const T* bias) {
    const auto sd = [](std::size_t v) { return static_cast<std::ptrdiff_t>(v); };
    return gpu_exec::conv2d_element<T>{.x = x, .w = w, .bias = bias,
                                       .C = p.C, .K = p.K, .P = p.P(), .Q = p.Q(), .R = p.R, .S = p.S,
                                       .Cg = p.C / p.groups, .Kg = p.K / p.groups,
                                       .H = sd(p.H), .W = sd(p.W),
                                       .stride_h = sd(p.stride_h), .stride_w = sd(p.stride_w),
                                       .pad_h = sd(p.pad_h), .pad_w = sd(p.pad_w),
                                       .dil_h = sd(p.dil_h), .dil_w = sd(p.dil_w)};
}
}  // namespace kiln::nn::kernels::conv_detail

#if KILN_GPU_PRECOMPILED
// A host-compiled file of a CUDA build: conv2d_forward_gpu<float> and <double> (declared in
// kiln/nn/conv2d_kernels.hpp) are defined in libkiln_cuda (cuda/src/layers.cu), from this file.
#else

#include <cstddef>

#include <kiln/gpu/buffer.hpp>
#include <kiln/third_party/thrust.hpp>

#if defined(KILN_GPU_BACKEND_CUDA) && defined(__CUDACC__)
#include <kiln/gpu/conv2d_igemm.hpp>
#endif

namespace kiln::nn::kernels {

template <class T>
void conv2d_forward_gpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    p.validate();
    const std::size_t total = p.y_size();
    if (total == 0) return;
#if defined(KILN_GPU_BACKEND_CUDA) && defined(__CUDACC__)
    if (gpu_exec::igemm::conv2d_igemm(p, x, w, bias, y, gpu_allow_tf32())) return;
#endif
    const auto f = conv_detail::gpu_element_of(p, x, w, bias);
    thrust::counting_iterator<std::size_t> first(0);
    gpu_detail::thrust_checked("the Conv2D forward kernel (thrust::transform)",
                               [&] { thrust::transform(thrust::device, first, first + total, y, f); });
}

}  // namespace kiln::nn::kernels

#endif  // KILN_GPU_PRECOMPILED
