// A g++-compiled file of a CUDA build (precompiled mode, libkiln_cuda) must never crash for want of a
// GPU: the first gpu allocation throws kiln::device_error with a clear message, every time. With a
// GPU present, the allocation and a few precompiled operations must work. The same program also
// contains an nvcc-compiled file using the gpu tag with fused kernels (no_gpu_fused_half.cu): both
// kinds of files link into one program and behave the same way.
#include <kiln/kiln.hpp>

#include <cstdio>
#include <string>

#if !KILN_GPU_PRECOMPILED
#error "no_gpu_precompiled.cpp checks precompiled mode: compile it with g++/clang++ and -DKILN_GPU_BACKEND_CUDA"
#endif

namespace {
const char* const no_gpu_text = "kiln: no CUDA GPU is available for gpu(0)";

// 0: as expected; 1: wrong
int attempt(bool have_gpu) {
    try {
        auto t = kiln::ones<float>(kiln::shape(4), kiln::gpu(0));
        if (!have_gpu) {
            std::printf("FAIL: allocated on gpu(0) without a GPU\n");
            return 1;
        }
        kiln::Tensor<float, kiln::Shape<4>, kiln::gpu> u = t * 3.0f;
        const float s = kiln::sum(u);
        std::printf("GPU present: sum=%g\n", s);
        return s == 12.0f ? 0 : 1;
    } catch (const kiln::device_error& e) {
        const std::string msg = e.what();
        std::printf("device_error: %s\n", msg.c_str());
        if (have_gpu) return 1;
        return msg.rfind(no_gpu_text, 0) == 0 ? 0 : 1;
    }
}
}  // namespace

std::string fused_half();  // no_gpu_fused_half.cu

int main() {
    const bool have_gpu = kiln::gpu_lib::device_count() > 0;  // never throws
    std::printf("libkiln_cuda sees %d CUDA device(s)\n", kiln::gpu_lib::device_count());
    // twice: the error is reported again, not only the first time
    int failures = attempt(have_gpu) + attempt(have_gpu);
    const std::string fused = fused_half();
    std::printf("nvcc-compiled file: %s\n", fused.c_str());
    if (have_gpu ? fused != "sum=" + std::to_string(24.0f) : fused.rfind(no_gpu_text, 0) != 0) ++failures;
    return failures == 0 ? 0 : 1;
}
