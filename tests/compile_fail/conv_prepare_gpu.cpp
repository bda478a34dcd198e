// Prepared conv2d weights are a cpu-side transform: asking for them on the gpu tag must not compile.
#include <kiln/kiln.hpp>
int main() {
    const kiln::nn::kernels::conv2d_params p{1, 16, 8, 8, 16, 3, 3};
    const float* w = nullptr;
    auto prepared = kiln::nn::kernels::conv2d_prepare(kiln::gpu(0), p, w);
    (void)prepared;
}
