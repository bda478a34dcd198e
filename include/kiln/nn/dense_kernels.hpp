// kiln/nn/dense_kernels.hpp: y = x W^T + b for x (rows, in), W (units, in), b (units,) on either device.
#pragma once

#include <cstddef>

#include "../device.hpp"
#include "../third_party/xsimd.hpp"

#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/dense.hpp>
#endif

namespace kiln::nn::kernels {

template <class T>
void dense_forward_cpu(const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    using B = simd::batch<T>;
    constexpr std::size_t W = B::size;
    const std::size_t body = in - in % W;
    for (std::size_t m = 0; m < rows; ++m) {
        const T* xr = x + m * in;
        for (std::size_t u = 0; u < units; ++u) {
            const T* wr = w + u * in;
            B acc(T(0));
            std::size_t k = 0;
            for (; k < body; k += W) acc = xsimd::fma(B::load_unaligned(xr + k), B::load_unaligned(wr + k), acc);
            T s = simd::reduce_sum(acc);
            for (; k < in; ++k) s += xr[k] * wr[k];
            y[m * units + u] = (b ? b[u] : T(0)) + s;
        }
    }
}

template <class T>
void dense_forward(cpu, const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    dense_forward_cpu(x, w, b, y, rows, in, units);
}

#if KILN_HAS_GPU_BACKEND
template <class T>
void dense_forward(gpu, const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    gpu_exec::dense_forward(x, w, b, y, rows, in, units);
}
#endif

}  // namespace kiln::nn::kernels
