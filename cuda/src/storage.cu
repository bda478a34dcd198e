// libkiln_cuda: devices, device memory and copies. The device checks and error texts are those of
// kiln/gpu/buffer.hpp (the nvcc build's storage), so both ways of using the gpu tag report the same.
#include <cstdint>
#include <string>

#include <cuda_runtime_api.h>

#include <kiln/errors.hpp>
#include <kiln/gpu/buffer.hpp>
#include <kiln/gpu/library.hpp>

namespace kiln::gpu_lib {

int device_count() noexcept {
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();  // no driver / no device: clear the error, report 0
        return 0;
    }
    return count;
}

void select_device(int device) { gpu_detail::select_device(gpu(device)); }

void* allocate(std::size_t bytes, int device) {
    const gpu ctx(device);
    gpu_detail::select_device(ctx);
    if (bytes == 0) return nullptr;
    void* p = nullptr;
    const cudaError_t err = cudaMalloc(&p, bytes);
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        const device_error e = gpu_detail::alloc_error(bytes, ctx);
        if (err == cudaErrorMemoryAllocation) throw e;
        throw device_error(std::string(e.what()) + ": CUDA call cudaMalloc failed: " + cudaGetErrorName(err) + ": " +
                           cudaGetErrorString(err));
    }
    return p;
}

void deallocate(void* p) noexcept {
    if (!p) return;
    const cudaError_t err = cudaFree(p);
    // At program exit the runtime may already be unloaded; any other failure cannot be thrown from
    // a destructor, so it goes to kiln's warning handler.
    if (err != cudaSuccess && err != cudaErrorCudartUnloading) {
        (void)cudaGetLastError();
        try {
            warn(std::string("kiln: CUDA call cudaFree failed: ") + cudaGetErrorName(err) + ": " +
                 cudaGetErrorString(err));
        } catch (...) {
        }
    }
}

void copy_to_device(void* dst, const void* host_src, std::size_t bytes) {
    if (bytes == 0) return;
    gpu_detail::check_cuda(cudaMemcpy(dst, host_src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy (host to device)");
}

void copy_to_host(void* host_dst, const void* src, std::size_t bytes) {
    if (bytes == 0) return;
    gpu_detail::check_cuda(cudaMemcpy(host_dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy (device to host)");
}

void copy_on_device(void* dst, const void* src, std::size_t bytes) {
    if (bytes == 0 || dst == src) return;
    const auto d = reinterpret_cast<std::uintptr_t>(dst), s = reinterpret_cast<std::uintptr_t>(src);
    if (d < s + bytes && s < d + bytes) {
        // cudaMemcpy does not allow overlapping ranges: go through a temporary.
        void* tmp = nullptr;
        gpu_detail::check_cuda(cudaMalloc(&tmp, bytes), "cudaMalloc (temporary of an overlapping copy)");
        struct release {
            void* p;
            ~release() { deallocate(p); }
        } guard{tmp};
        gpu_detail::check_cuda(cudaMemcpy(tmp, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (device to device)");
        gpu_detail::check_cuda(cudaMemcpy(dst, tmp, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (device to device)");
        return;
    }
    gpu_detail::check_cuda(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpy (device to device)");
}

}  // namespace kiln::gpu_lib
