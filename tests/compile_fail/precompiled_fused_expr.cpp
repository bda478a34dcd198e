// Precompiled mode (g++ with KILN_GPU_BACKEND_CUDA, or -DKILN_SEPARATE_KERNELS on a host gpu backend):
// a gpu expression of two operations needs a fused kernel that this file cannot get; it must not
// compile, and say how to fix it.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(4), kiln::gpu(0));
    kiln::Tensor<float, kiln::Shape<kiln::dyn>, kiln::gpu> b = a * 2.0f + 1.0f;
    (void)b;
}
