// Precompiled mode (g++ with KILN_GPU_BACKEND_CUDA, or -DKILN_SEPARATE_KERNELS on a host gpu backend):
// reducing an expression (not a tensor) on the gpu needs a fused kernel that this file cannot get.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(4), kiln::gpu(0));
    return kiln::sum(a * a) > 0.0f;
}
