// kiln/gpu/dense.hpp: Dense forward on the gpu tag: one Thrust transform, one thread per output.
#pragma once

#include <kiln/config.hpp>

#if KILN_GPU_PRECOMPILED
// A host-compiled file of a CUDA build: gpu_exec::dense_forward calls libkiln_cuda.
#include <kiln/gpu/precompiled.hpp>
#else

#include <cstddef>

#include <kiln/gpu/buffer.hpp>
#include <kiln/gpu/elements.hpp>
#include <kiln/third_party/thrust.hpp>

namespace kiln::gpu_exec {

template <class T>
void dense_forward(const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    const std::size_t n = rows * units;
    if (n == 0) return;
    thrust::counting_iterator<std::size_t> first(0);
    gpu_detail::thrust_checked("the Dense forward kernel (thrust::transform)", [&] {
        thrust::transform(thrust::device, first, first + n, y, dense_element<T>{x, w, b, in, units});
    });
}

}  // namespace kiln::gpu_exec

#endif  // KILN_GPU_PRECOMPILED
