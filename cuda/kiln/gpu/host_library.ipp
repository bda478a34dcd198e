// kiln/gpu/host_library.ipp: the functions of kiln/gpu/library.hpp for the host gpu backends
// (thrust-cpp, thrust-omp) of a -DKILN_SEPARATE_KERNELS program. Included once per program, by
// <kiln/separate_kernels.hpp>. Every file of such a program runs the gpu tag in precompiled mode
// (kiln/gpu/precompiled.hpp: single operations only, no Thrust header), as a host-compiled file of a
// CUDA build does with libkiln_cuda; here the "device" is host memory and each operation is a loop
// over the same per-element functions the Thrust backends hand to thrust::transform (the node's
// at(i), kiln/gpu/elements.hpp), so the values are bit for bit those of the header-only build.
// Reductions fold in index order from the same seed as Thrust's sequential (CPP) system.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>

#include <kiln/gpu/buffer.hpp>  // the error texts; in this mode it includes precompiled.hpp
#include <kiln/gpu/elements.hpp>
#include <kiln/gpu/library.hpp>
#include <kiln/nn/conv2d_kernels.hpp>
#include <kiln/random.hpp>

#if !KILN_GPU_HOST_LIBRARY
#error "kiln/gpu/host_library.ipp is for -DKILN_SEPARATE_KERNELS programs with a host gpu backend (thrust-cpp, thrust-omp)"
#endif

namespace kiln::gpu_lib {

namespace host_detail {

inline constexpr std::align_val_t alignment{64};

// dst[i] = f(i) for i < n; the OpenMP backend splits the indices over its threads (each element is
// computed alone, so the values do not depend on the split).
template <class T, class F>
void fill_by_index(T* dst, std::size_t n, const F& f) {
#if defined(KILN_GPU_BACKEND_THRUST_OMP) && defined(_OPENMP)
    const auto count = static_cast<std::ptrdiff_t>(n);
#pragma omp parallel for
    for (std::ptrdiff_t i = 0; i < count; ++i) dst[i] = f(static_cast<std::size_t>(i));
#else
    for (std::size_t i = 0; i < n; ++i) dst[i] = f(i);
#endif
}

template <class T, class Op>
T fold(const T* p, std::size_t n, T init, Op op) {
    for (std::size_t i = 0; i < n; ++i) init = op(init, p[i]);
    return init;
}

}  // namespace host_detail

int device_count() noexcept { return 1; }

void select_device(int device) { gpu_detail::check_host_device(gpu(device)); }

void* allocate(std::size_t bytes, int device) {
    select_device(device);
    if (bytes == 0) return nullptr;
    void* p = ::operator new(bytes, host_detail::alignment, std::nothrow);
    if (!p) throw gpu_detail::alloc_error(bytes, gpu(device));
    return p;
}

void deallocate(void* p) noexcept { ::operator delete(p, host_detail::alignment); }

void copy_to_device(void* dst, const void* host_src, std::size_t bytes) {
    if (bytes != 0) std::memcpy(dst, host_src, bytes);
}
void copy_to_host(void* host_dst, const void* src, std::size_t bytes) {
    if (bytes != 0) std::memcpy(host_dst, src, bytes);
}
void copy_on_device(void* dst, const void* src, std::size_t bytes) {
    if (bytes != 0 && dst != src) std::memmove(dst, src, bytes);
}

namespace host_detail {
// dst[i] = e.at(i), i < n; by quad columns for a column_node (the uniform float fill: 3 Philox blocks
// per 16 elements instead of up to 3 per element), split over the OpenMP backend's threads.
template <class T, class Node>
void run_node(T* dst, std::size_t n, const Node& e) {
    if constexpr (gpu_exec::column_node<Node>) {
        const auto columns = static_cast<std::ptrdiff_t>(gpu_exec::column_count(n));
#if defined(KILN_GPU_BACKEND_THRUST_OMP) && defined(_OPENMP)
#pragma omp parallel for
#endif
        for (std::ptrdiff_t q = 0; q < columns; ++q) gpu_exec::store_column(dst, n, e, static_cast<std::size_t>(q));
    } else {
        fill_by_index(dst, n, [&e](std::size_t i) { return e.at(i); });
    }
}
}  // namespace host_detail

#define KILN_GPU_LIB_DEFINE_RUN(T, ...) \
    void run(T* dst, std::size_t n, const __VA_ARGS__& e) { host_detail::run_node(dst, n, e); }
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DEFINE_RUN, float, double)
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DEFINE_RUN, double, float)
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DEFINE_RUN, float)
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DEFINE_RUN, double)
#undef KILN_GPU_LIB_DEFINE_RUN

float sum(const float* p, std::size_t n) { return host_detail::fold(p, n, 0.0f, ops::plus{}); }
double sum(const double* p, std::size_t n) { return host_detail::fold(p, n, 0.0, ops::plus{}); }
float max(const float* p, std::size_t n) { return host_detail::fold(p, n, p[0], ops::maximum{}); }
double max(const double* p, std::size_t n) { return host_detail::fold(p, n, p[0], ops::maximum{}); }
float min(const float* p, std::size_t n) { return host_detail::fold(p, n, p[0], ops::minimum{}); }
double min(const double* p, std::size_t n) { return host_detail::fold(p, n, p[0], ops::minimum{}); }

void dense_forward(const float* x, const float* w, const float* b, float* y, std::size_t rows, std::size_t in,
                   std::size_t units) {
    host_detail::fill_by_index(y, rows * units, gpu_exec::dense_element<float>{x, w, b, in, units});
}
void dense_forward(const double* x, const double* w, const double* b, double* y, std::size_t rows, std::size_t in,
                   std::size_t units) {
    host_detail::fill_by_index(y, rows * units, gpu_exec::dense_element<double>{x, w, b, in, units});
}

}  // namespace kiln::gpu_lib

namespace kiln::nn::kernels {

// The direct kernel of kiln/gpu/conv2d.hpp (one functor call per output element), for float and
// double: what the precompiled-mode files of the program call for a Conv2D on the gpu tag.
template <class T>
void conv2d_forward_gpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    p.validate();
    const std::size_t total = p.y_size();
    if (total == 0) return;
    gpu_lib::host_detail::fill_by_index(y, total, conv_detail::gpu_element_of(p, x, w, bias));
}
template void conv2d_forward_gpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
template void conv2d_forward_gpu<double>(const conv2d_params&, const double*, const double*, const double*, double*);

}  // namespace kiln::nn::kernels
