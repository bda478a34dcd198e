// kiln/gpu/buffer.hpp: storage for gpu-tag tensors, on whatever Thrust device system the build
// selected (CUDA with nvcc; CPP or OMP with a host compiler, which is how CI runs every gpu test).
#pragma once

#include <cstddef>
#include <string>

#include <kiln/config.hpp>
#include <kiln/device.hpp>

// The storage's error texts, in every mode: the Thrust storage below and libkiln_cuda (nvcc) use
// them, and so does the host library of a -DKILN_SEPARATE_KERNELS program (kiln/gpu/host_library.ipp).
namespace kiln::gpu_detail {

// The error for an allocation of `bytes` that failed on ctx.
inline device_error alloc_error(std::size_t bytes, gpu ctx) {
    return device_error("kiln: cannot allocate " + std::to_string(bytes) + " bytes on " + to_string(ctx) + " (" +
                        KILN_GPU_BACKEND_NAME + " backend)");
}

// The host backends (thrust-cpp, thrust-omp) provide one device, gpu(0).
inline void check_host_device(gpu ctx) {
    if (ctx.device_id != 0)
        throw device_error("kiln: " + to_string(ctx) + " does not exist: the " KILN_GPU_BACKEND_NAME
                           " gpu backend provides one device, gpu(0)");
}

}  // namespace kiln::gpu_detail

#if KILN_GPU_PRECOMPILED
// A host-compiled file of a CUDA build: storage and copies come from libkiln_cuda.
#include <kiln/gpu/precompiled.hpp>
#else

#include <cstddef>
#include <new>
#include <string>

#include <kiln/device.hpp>
#include <kiln/third_party/thrust.hpp>

#if defined(KILN_GPU_BACKEND_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace kiln::gpu_detail {

inline const char* backend_name() { return KILN_GPU_BACKEND_NAME; }

#if defined(KILN_GPU_BACKEND_CUDA)
inline void check_cuda(cudaError_t err, const char* what) {
    if (err != cudaSuccess) {
        (void)cudaGetLastError();  // clear a non-sticky error so that it is not reported twice
        throw device_error(std::string("kiln: CUDA call ") + what + " failed: " + cudaGetErrorName(err) + ": " +
                           cudaGetErrorString(err));
    }
}
#endif

// Runs f (Thrust algorithms on the device system); a Thrust failure (under CUDA: a failed launch or
// synchronization, whose text carries cudaGetErrorName and cudaGetErrorString) becomes a
// device_error that names `what`.
template <class F>
decltype(auto) thrust_checked(const char* what, F&& f) {
    try {
        return f();
    } catch (const thrust::system_error& e) {
        throw device_error(std::string("kiln: ") + what + " failed on the " + backend_name() + " backend: " + e.what());
    } catch (const std::bad_alloc&) {
        throw device_error(std::string("kiln: ") + what + " failed on the " + backend_name() +
                           " backend: out of device memory");
    }
}

// Makes sure gpu(ordinal) exists and is current. Any failure is a device_error, never a crash.
inline void select_device(gpu ctx) {
#if defined(KILN_GPU_BACKEND_CUDA)
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess || count == 0) {
        (void)cudaGetLastError();  // clear the sticky error
        throw device_error("kiln: no CUDA GPU is available for " + to_string(ctx) + " (cudaGetDeviceCount: " +
                           (err != cudaSuccess ? std::string(cudaGetErrorString(err)) : std::string("0 devices")) +
                           "); use kiln::cpu(0), or build with -Dgpu_backend=thrust-cpp to run gpu code on the host");
    }
    if (ctx.device_id < 0 || ctx.device_id >= count)
        throw device_error("kiln: " + to_string(ctx) + " does not exist: this machine has " + std::to_string(count) +
                           " CUDA device(s)");
    check_cuda(cudaSetDevice(ctx.device_id), "cudaSetDevice");
#else
    check_host_device(ctx);
#endif
}

template <class T>
class buffer {
public:
    buffer() = default;
    buffer(std::size_t n, gpu ctx) {
        select_device(ctx);
        try {
            v_.resize(n);
        } catch (const std::bad_alloc&) {
            throw alloc_error(n, ctx);
        } catch (const thrust::system_error&) {
            throw alloc_error(n, ctx);
        }
    }
    buffer(const buffer&) = default;
    buffer(buffer&&) noexcept = default;
    buffer& operator=(const buffer&) = default;
    buffer& operator=(buffer&&) noexcept = default;

    T* data() { return thrust::raw_pointer_cast(v_.data()); }
    const T* data() const { return thrust::raw_pointer_cast(v_.data()); }
    std::size_t size() const { return v_.size(); }

private:
    static device_error alloc_error(std::size_t n, gpu ctx) { return gpu_detail::alloc_error(n * sizeof(T), ctx); }
    thrust::device_vector<T> v_;
};

// Raw copies between host memory and device memory, and within the device.
template <class T>
void copy_to_device(T* dst, const T* host_src, std::size_t n) {
    thrust_checked("the copy to the device", [&] { thrust::copy(host_src, host_src + n, thrust::device_pointer_cast(dst)); });
}
template <class T>
void copy_to_host(T* host_dst, const T* src, std::size_t n) {
    thrust_checked("the copy to the host", [&] {
        thrust::copy(thrust::device_pointer_cast(src), thrust::device_pointer_cast(src) + n, host_dst);
    });
}
template <class T>
void copy_on_device(T* dst, const T* src, std::size_t n) {
    thrust_checked("the copy within the device", [&] { thrust::copy(thrust::device, src, src + n, dst); });
}

}  // namespace kiln::gpu_detail

#endif  // KILN_GPU_PRECOMPILED
