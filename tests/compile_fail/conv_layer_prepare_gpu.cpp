// Prepared weights are a cpu-side snapshot: a gpu Conv2D's prepare() must not compile.
#include <kiln/kiln.hpp>
int main() {
    kiln::nn::Conv2D<kiln::nn::conv2d{.channels = 16, .kernel_size = {3, 3}, .in_channels = 16}, float, kiln::gpu> layer;
    layer.initialize();
    auto prepared = layer.prepare();
    (void)prepared;
}
