// Precompiled mode (g++ with KILN_GPU_BACKEND_CUDA): reducing an expression (not a tensor) on the gpu
// needs a fused kernel that only nvcc can generate.
#include <kiln/kiln.hpp>
int main() {
    auto a = kiln::ones<float>(kiln::shape(4), kiln::gpu(0));
    return kiln::sum(a * a) > 0.0f;
}
