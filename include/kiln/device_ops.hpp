// kiln/device_ops.hpp: the executor boundary. Everything device-specific a tensor needs (owning
// storage, running an expression tree, reductions, copies between memories) is reached through
// device_ops<D>. cpu: xtensor storage + xsimd loops. gpu: Thrust storage + Thrust algorithms (cuda/);
// in a host-compiled file of a CUDA build, libkiln_cuda's precompiled operations (cuda/kiln/gpu/precompiled.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "config.hpp"
#include "cpu_executor.hpp"
#include "device.hpp"
#include "third_party/xtensor.hpp"

#if KILN_GPU_PRECOMPILED
#include <kiln/gpu/precompiled.hpp>
#elif KILN_HAS_GPU_BACKEND
#include <kiln/gpu/buffer.hpp>
#include <kiln/gpu/executor.hpp>
#endif

namespace kiln::detail {

template <class D>
struct device_ops;

template <>
struct device_ops<cpu> {
    template <class T>
    struct storage {
        xtensor_bridge::aligned_buffer<T> buf;
        storage() = default;
        // Not inlined: one copy per element type for every tensor shape that allocates (an
        // allocation costs far more than the call).
        KILN_NOINLINE storage(std::size_t n, cpu) : buf(n) {}
        T* data() { return buf.data(); }
        const T* data() const { return buf.data(); }
    };
    template <class T, class Node>
    static void run(T* dst, const Node& e, std::size_t n) { cpu_exec::assign(dst, e, n); }
    template <class Node>
    static auto sum(const Node& e, std::size_t n) { return cpu_exec::sum(e, n); }
    template <class Op, class Node>
    static auto fold(const Node& e, std::size_t n) { return cpu_exec::fold_extremum<Op>(e, n); }
    template <class T>
    static void copy_within(T* dst, const T* src, std::size_t n) {
        if (n) std::memmove(dst, src, n * sizeof(T));
    }
    template <class T>
    static void to_host(T* host_dst, const T* src, std::size_t n) {
        if (n) std::memcpy(host_dst, src, n * sizeof(T));
    }
    template <class T>
    static void from_host(T* dst, const T* host_src, std::size_t n) {
        if (n) std::memcpy(dst, host_src, n * sizeof(T));
    }
};

#if KILN_HAS_GPU_BACKEND
template <>
struct device_ops<gpu> {
    template <class T>
    struct storage {
        gpu_detail::buffer<T> buf;
        storage() = default;
        storage(std::size_t n, gpu ctx) : buf(n, ctx) {}
        T* data() { return buf.data(); }
        const T* data() const { return buf.data(); }
    };
    template <class T, class Node>
    static void run(T* dst, const Node& e, std::size_t n) { gpu_exec::assign(dst, e, n); }
    template <class Node>
    static auto sum(const Node& e, std::size_t n) { return gpu_exec::sum(e, n); }
    template <class Op, class Node>
    static auto fold(const Node& e, std::size_t n) { return gpu_exec::fold_extremum<Op>(e, n); }
    template <class T>
    static void copy_within(T* dst, const T* src, std::size_t n) {
        if (n) gpu_detail::copy_on_device(dst, src, n);
    }
    template <class T>
    static void to_host(T* host_dst, const T* src, std::size_t n) {
        if (n) gpu_detail::copy_to_host(host_dst, src, n);
    }
    template <class T>
    static void from_host(T* dst, const T* host_src, std::size_t n) {
        if (n) gpu_detail::copy_to_device(dst, host_src, n);
    }
};
#else
template <>
struct device_ops<gpu> {
    template <class T>
    struct storage {
        static_assert(sizeof(T) == 0,
                      "kiln: this build has no gpu backend, so gpu tensors cannot be created; configure with "
                      "-Dgpu_backend=thrust-cpp (runs on the host), thrust-omp, or cuda (nvcc)");
    };
};
#endif

}  // namespace kiln::detail
