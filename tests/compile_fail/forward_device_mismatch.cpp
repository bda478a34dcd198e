// A forward whose input lives on another device than the layer's parameters must not compile.
#include <kiln/kiln.hpp>
int main() {
    kiln::nn::Conv2D<kiln::nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> layer;  // cpu
    layer.initialize();
    auto y = layer(kiln::ones<float>(kiln::shape(1, 3, 9, 9), kiln::gpu(0)));
    (void)y;
}
