// A Conv2D fed a static input whose channels contradict its static in_channels must not compile.
#include <kiln/kiln.hpp>
using kiln::c;
int main() {
    kiln::nn::Conv2D<kiln::nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 8}> layer;
    layer.initialize();
    auto y = layer(kiln::ones<float>(kiln::shape(c<1>, c<3>, c<9>, c<9>)));
    (void)y;
}
