// kiln/gpu/precompiled.hpp: the gpu tag in a file compiled by g++/clang++ in a CUDA build
// (KILN_GPU_BACKEND_CUDA without nvcc, "precompiled mode"). Everything runs through the functions
// of libkiln_cuda (kiln/gpu/library.hpp, built by nvcc from cuda/src): storage, copies, and one
// precompiled kernel per single-operation expression. The expression's node type selects the
// kernel at compile time; a tree that would need a new fused kernel is a static_assert that says to
// compile the file with nvcc. No Thrust and no CUDA header is included.
//
// The same mode serves every file of a -DKILN_SEPARATE_KERNELS program on a host backend
// (thrust-cpp, thrust-omp; KILN_GPU_HOST_LIBRARY in config.hpp): there the functions of
// kiln/gpu/library.hpp are defined once, on the host, by the file that includes
// <kiln/separate_kernels.hpp> (kiln/gpu/host_library.ipp), so that no file parses Thrust.
//
// It provides the same names as buffer.hpp / executor.hpp / dense.hpp (gpu_detail::buffer,
// select_device, copies; gpu_exec::assign, sum, fold_extremum, dense_forward), so device_ops<gpu>
// and the layer kernels are written once for every backend.
#pragma once

#include <cstddef>
#include <limits>
#include <type_traits>
#include <utility>

#include <kiln/config.hpp>
#include <kiln/device.hpp>
#include <kiln/expr_nodes.hpp>
#include <kiln/gpu/library.hpp>

#if !KILN_GPU_PRECOMPILED
#error "kiln/gpu/precompiled.hpp is for host-compiled files with KILN_GPU_BACKEND_CUDA, or with -DKILN_SEPARATE_KERNELS and a host gpu backend"
#endif

#if KILN_GPU_HOST_LIBRARY
#define KILN_GPU_NEEDS_NVCC                                                                                        \
    "kiln: this gpu expression needs a fused kernel, which a -DKILN_SEPARATE_KERNELS program does not compile "  \
    "on a host gpu backend (thrust-cpp, thrust-omp); evaluate it in steps of one operation each (the single "     \
    "operations listed in docs/gpu.md are compiled once, by the file that includes <kiln/separate_kernels.hpp>), " \
    "or build the program without -DKILN_SEPARATE_KERNELS"
#define KILN_GPU_REDUCTION_NEEDS_NVCC                                                                              \
    "kiln: this gpu reduction of an expression needs a fused kernel, which a -DKILN_SEPARATE_KERNELS program "    \
    "does not compile on a host gpu backend (thrust-cpp, thrust-omp); evaluate the expression into a tensor "     \
    "first and reduce the tensor, or build the program without -DKILN_SEPARATE_KERNELS"
#else
#define KILN_GPU_NEEDS_NVCC                                                                                      \
    "kiln: this gpu expression needs a fused kernel that only nvcc can generate; compile this file with nvcc " \
    "(the cuda backend), or evaluate it in steps of one operation each (a file compiled by a host compiler "    \
    "runs the single operations precompiled in libkiln_cuda, listed in docs/gpu.md)"
#define KILN_GPU_REDUCTION_NEEDS_NVCC                                                                            \
    "kiln: this gpu reduction of an expression needs a fused kernel that only nvcc can generate; compile this " \
    "file with nvcc (the cuda backend), or evaluate the expression into a tensor first and reduce the tensor"
#endif

// The inline namespaces give these functions other symbol names than the nvcc versions in
// buffer.hpp / executor.hpp: a program with both kinds of files never sees two definitions of one
// inline function.
namespace kiln::gpu_detail {
inline namespace precompiled {

inline const char* backend_name() { return KILN_GPU_BACKEND_NAME; }

// Makes sure gpu(ordinal) exists and is current (device_error otherwise, never a crash).
inline void select_device(gpu ctx) { gpu_lib::select_device(ctx.device_id); }

template <class T>
constexpr std::size_t bytes_of(std::size_t n) {
    // an impossible request stays impossible (and is reported with the largest byte count)
    return n > std::numeric_limits<std::size_t>::max() / sizeof(T) ? std::numeric_limits<std::size_t>::max()
                                                                    : n * sizeof(T);
}

// Owning device memory of gpu(device): n elements, uninitialized.
template <class T>
class buffer {
public:
    buffer() = default;
    buffer(std::size_t n, gpu ctx)
        : p_(static_cast<T*>(gpu_lib::allocate(bytes_of<T>(n), ctx.device_id))), n_(n), device_(ctx.device_id) {}
    buffer(const buffer& o) {
        if (o.p_) {
            buffer t(o.n_, gpu(o.device_));
            gpu_lib::copy_on_device(t.p_, o.p_, bytes_of<T>(o.n_));
            swap(t);
        }
    }
    buffer(buffer&& o) noexcept { swap(o); }
    buffer& operator=(const buffer& o) {
        if (this != &o) {
            buffer t(o);
            swap(t);
        }
        return *this;
    }
    buffer& operator=(buffer&& o) noexcept {
        buffer t(std::move(o));
        swap(t);
        return *this;
    }
    ~buffer() {
        if (p_) gpu_lib::deallocate(p_);
    }

    T* data() { return p_; }
    const T* data() const { return p_; }
    std::size_t size() const { return n_; }

private:
    void swap(buffer& o) noexcept {
        std::swap(p_, o.p_);
        std::swap(n_, o.n_);
        std::swap(device_, o.device_);
    }
    T* p_ = nullptr;
    std::size_t n_ = 0;
    int device_ = 0;
};

// Raw copies between host memory and device memory, and within the device.
template <class T>
void copy_to_device(T* dst, const T* host_src, std::size_t n) {
    gpu_lib::copy_to_device(dst, host_src, bytes_of<T>(n));
}
template <class T>
void copy_to_host(T* host_dst, const T* src, std::size_t n) {
    gpu_lib::copy_to_host(host_dst, src, bytes_of<T>(n));
}
template <class T>
void copy_on_device(T* dst, const T* src, std::size_t n) {
    gpu_lib::copy_on_device(dst, src, bytes_of<T>(n));
}

}  // namespace precompiled
}  // namespace kiln::gpu_detail

namespace kiln::gpu_exec {
inline namespace precompiled {

// A node tree libkiln_cuda has a kernel for: exactly one of the gpu_lib::run overloads takes it
// (node types are aggregates, so only the identical type binds).
template <class Node>
concept precompiled_node = requires(typename Node::value_type* dst, std::size_t n, const Node& e) {
    gpu_lib::run(dst, n, e);
};

template <class Node>
inline constexpr bool is_leaf = false;
template <class T>
inline constexpr bool is_leaf<node::leaf<T>> = true;

template <class T, class Node>
void assign(T* dst, const Node& e, std::size_t n) {
    static_assert(precompiled_node<Node>, KILN_GPU_NEEDS_NVCC);
    if constexpr (precompiled_node<Node>) {
        if (n != 0) gpu_lib::run(dst, n, e);
    }
}

template <class Node>
auto sum(const Node& e, std::size_t n) {
    static_assert(is_leaf<Node>, KILN_GPU_REDUCTION_NEEDS_NVCC);
    if constexpr (is_leaf<Node>) {
        return gpu_lib::sum(e.p, n);
    } else {
        return typename Node::value_type{};
    }
}

// n >= 1
template <class Op, class Node>
auto fold_extremum(const Node& e, std::size_t n) {
    static_assert(is_leaf<Node>, KILN_GPU_REDUCTION_NEEDS_NVCC);
    static_assert(std::is_same_v<Op, ops::maximum> || std::is_same_v<Op, ops::minimum>);
    if constexpr (!is_leaf<Node>) {
        return typename Node::value_type{};
    } else if constexpr (std::is_same_v<Op, ops::maximum>) {
        return gpu_lib::max(e.p, n);
    } else {
        return gpu_lib::min(e.p, n);
    }
}

template <class T>
void dense_forward(const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    gpu_lib::dense_forward(x, w, b, y, rows, in, units);
}

}  // namespace precompiled
}  // namespace kiln::gpu_exec
