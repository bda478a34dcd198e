// kiln/gpu/library.hpp: the interface of libkiln_cuda, the CUDA operations compiled once by nvcc
// (cuda/src/*.cu) so that files compiled by g++/clang++ can use the gpu tag of a CUDA build
// ("precompiled mode", kiln/gpu/precompiled.hpp). Plain declarations only: no Thrust, no CUDA
// header, nothing that needs nvcc. The same file is included by the library's sources, so a
// declaration that does not match its definition is a compile (or link) error there.
//
// Every function throws kiln::device_error on a CUDA failure; the message names the CUDA call and
// cudaGetErrorString's text.
#pragma once

#include <cstddef>

#include <kiln/config.hpp>
#include <kiln/device.hpp>
#include <kiln/expr_nodes.hpp>

namespace kiln::node {
template <class T>
struct uniform_random;  // kiln/random.hpp
template <class T>
struct normal_random;  // kiln/random.hpp
}  // namespace kiln::node

// ------------------------------------------------------------------------------------------------
// The precompiled node types, as X-macro lists: X(T, NODE) for element type T (float or double)
// and U the other one. library.hpp declares one run() per entry; cuda/src defines the same list.
// node::binary<Op, scalar, scalar> is absent: the operators never build it.
#define KILN_GPU_LIB_BINARY_FORMS(X, T, OP)                                  \
    X(T, ::kiln::node::binary<::kiln::ops::OP, ::kiln::node::leaf<T>, ::kiln::node::leaf<T>>)   \
    X(T, ::kiln::node::binary<::kiln::ops::OP, ::kiln::node::leaf<T>, ::kiln::node::scalar<T>>) \
    X(T, ::kiln::node::binary<::kiln::ops::OP, ::kiln::node::scalar<T>, ::kiln::node::leaf<T>>)

#define KILN_GPU_LIB_ELEMENTWISE_NODES(X, T, U)                                \
    X(T, ::kiln::node::scalar<T>)                                              \
    X(T, ::kiln::node::leaf<T>)                                                \
    X(T, ::kiln::node::unary<::kiln::ops::negate, ::kiln::node::leaf<T>>)      \
    X(T, ::kiln::node::unary<::kiln::ops::abs_, ::kiln::node::leaf<T>>)        \
    X(T, ::kiln::node::unary<::kiln::ops::exp_, ::kiln::node::leaf<T>>)        \
    X(T, ::kiln::node::unary<::kiln::ops::log_, ::kiln::node::leaf<T>>)        \
    X(T, ::kiln::node::unary<::kiln::ops::sqrt_, ::kiln::node::leaf<T>>)       \
    X(T, ::kiln::node::unary<::kiln::ops::relu, ::kiln::node::leaf<T>>)        \
    X(T, ::kiln::node::unary<::kiln::ops::sigmoid, ::kiln::node::leaf<T>>)     \
    X(T, ::kiln::node::unary<::kiln::ops::tanh_, ::kiln::node::leaf<T>>)       \
    KILN_GPU_LIB_BINARY_FORMS(X, T, plus)                                      \
    KILN_GPU_LIB_BINARY_FORMS(X, T, minus)                                     \
    KILN_GPU_LIB_BINARY_FORMS(X, T, multiplies)                                \
    KILN_GPU_LIB_BINARY_FORMS(X, T, divides)                                   \
    KILN_GPU_LIB_BINARY_FORMS(X, T, maximum)                                   \
    KILN_GPU_LIB_BINARY_FORMS(X, T, minimum)                                   \
    X(T, ::kiln::node::convert<T, ::kiln::node::leaf<T>>)                      \
    X(T, ::kiln::node::convert<T, ::kiln::node::leaf<U>>)

#define KILN_GPU_LIB_RANDOM_NODES(X, T)       \
    X(T, ::kiln::node::uniform_random<T>)     \
    X(T, ::kiln::node::normal_random<T>)

namespace kiln::gpu_lib {

#define KILN_GPU_LIB_DECLARE_RUN(T, ...) void run(T* dst, std::size_t n, const __VA_ARGS__& e);

// ------------------------------------------------------------------------------------ devices
// The number of usable CUDA devices; 0 when there is none, or no driver (never throws).
int device_count() noexcept;
// Makes gpu(device) current. No GPU: "kiln: no CUDA GPU is available for gpu(0) (...)"; an ordinal
// beyond the count: "kiln: gpu(k) does not exist: this machine has N CUDA device(s)".
void select_device(int device);

// ------------------------------------------------------------------------------------ storage
// Selects gpu(device), then allocates; failure: "kiln: cannot allocate N bytes on gpu(k) (cuda backend)".
// 0 bytes: no allocation (nullptr), but the device is still checked.
void* allocate(std::size_t bytes, int device);
// Never throws (a failure here is reported by the next CUDA call).
void deallocate(void* p) noexcept;
void copy_to_device(void* dst, const void* host_src, std::size_t bytes);
void copy_to_host(void* host_dst, const void* src, std::size_t bytes);
// Overlapping ranges are allowed (memmove semantics).
void copy_on_device(void* dst, const void* src, std::size_t bytes);

// ------------------------------------------------------------------------------------ element-wise
// dst[i] = e.at(i), i < n, as one kernel on the current device (asynchronous: a fault inside the
// kernel is reported by the next synchronizing call, e.g. the copy that reads the result).
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DECLARE_RUN, float, double)
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DECLARE_RUN, double, float)
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DECLARE_RUN, float)
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DECLARE_RUN, double)
#undef KILN_GPU_LIB_DECLARE_RUN

// ------------------------------------------------------------------------------------ reductions
// Of p[0, n): sum (0 for n == 0); max and min need n >= 1.
float sum(const float* p, std::size_t n);
double sum(const double* p, std::size_t n);
float max(const float* p, std::size_t n);
double max(const double* p, std::size_t n);
float min(const float* p, std::size_t n);
double min(const double* p, std::size_t n);

// ------------------------------------------------------------------------------------ layers
// y (rows, units) = x (rows, in) W^T (units, in) + b (units, or null). Conv2D forward is
// kiln::nn::kernels::conv2d_forward_gpu<float|double> (kiln/nn/conv2d_kernels.hpp), instantiated
// in the library.
void dense_forward(const float* x, const float* w, const float* b, float* y, std::size_t rows, std::size_t in,
                   std::size_t units);
void dense_forward(const double* x, const double* w, const double* b, double* y, std::size_t rows, std::size_t in,
                   std::size_t units);

}  // namespace kiln::gpu_lib
