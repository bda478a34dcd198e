// The nvcc-compiled half of test_cuda_precompiled_no_gpu: a program whose files use the gpu tag both
// ways (this file: fused kernels; no_gpu_precompiled.cpp: g++ + libkiln_cuda). The two kinds of
// files have different gpu storage; device.hpp keeps their symbols apart, so they link and run side
// by side. Returns "sum=<value>" or the device_error text.
#include <kiln/kiln.hpp>

#include <string>

std::string fused_half() {
    try {
        auto a = kiln::ones<float>(kiln::shape(8), kiln::gpu(0));
        kiln::Tensor<float, kiln::Shape<kiln::dyn>, kiln::gpu> b = a * 2.0f + 1.0f;  // one fused kernel
        return "sum=" + std::to_string(kiln::sum(b));
    } catch (const kiln::device_error& e) {
        return e.what();
    }
}
