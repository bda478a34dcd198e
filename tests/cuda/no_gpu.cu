// A CUDA build must never crash for want of a GPU: the first gpu allocation throws
// kiln::device_error with a clear message. With a GPU present, the allocation must succeed.
#include <kiln/kiln.hpp>

#include <cstdio>
#include <string>

int main() {
    int count = 0;
    const bool have_gpu = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
    (void)cudaGetLastError();
    try {
        auto t = kiln::ones<float>(kiln::shape(4), kiln::gpu(0));
        if (!have_gpu) {
            std::printf("FAIL: allocated on gpu(0) without a GPU\n");
            return 1;
        }
        const float s = kiln::sum(t);
        std::printf("GPU present: sum=%g\n", s);
        return s == 4.0f ? 0 : 1;
    } catch (const kiln::device_error& e) {
        const std::string msg = e.what();
        std::printf("device_error: %s\n", msg.c_str());
        if (have_gpu) return 1;
        return msg.rfind("kiln: no CUDA GPU is available for gpu(0)", 0) == 0 ? 0 : 1;
    }
}
