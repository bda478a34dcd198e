// The Gluon parameter-initialization tutorial (shared/seed/gluon-initialization-tutorial.txt),
// cell by cell, in kiln. Each cell prints the Gluon line it replaces, then kiln's output in Gluon's
// format. Values come from kiln's counter-based generator (seed 0), so they differ from the
// notebook's MXNet numbers but are the same on every machine, device and thread count.
#include <kiln/kiln.hpp>

#include <iostream>

using namespace kiln;

namespace {
void cell(const char* n, const char* gluon) { std::cout << "\nIn [" << n << "]: " << gluon << "\n"; }
}  // namespace

int main() {
    // In [None]: the initializers the tutorial names are policy types.
    cell("1", "init.One, init.Zero, init.Uniform, init.Normal, init.Xavier, init.Constant");
    [[maybe_unused]] init::One one;
    [[maybe_unused]] init::Zero zero;
    [[maybe_unused]] init::Uniform uniform;  // U(-0.07, 0.07), Gluon's default for weights
    [[maybe_unused]] init::Normal normal;    // N(0, 0.01)
    [[maybe_unused]] init::Xavier xavier;    // uniform, avg, magnitude 3
    [[maybe_unused]] init::Constant constant(0.5);
    std::cout << "kiln::init::{One, Zero, Uniform{0.07}, Normal{0.01}, Xavier{uniform, avg, 3}, Constant(0.5)}\n";

    // In [2]: Xavier on a 1 -> 1, 3x3 convolution.
    cell("2", "layer = nn.Conv2D(channels=1, in_channels=1, kernel_size=(3,3)); layer.initialize(init.Xavier()); "
              "layer.weight.data()");
    {
        nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 1}> layer;
        layer.initialize(init::Xavier{});
        std::cout << layer.weight.data() << "\n";
    }

    // In [3]: a 512 -> 512 convolution: Xavier's scale shrinks to 0.0255.
    cell("3", "layer = nn.Conv2D(channels=512, in_channels=512, kernel_size=(3,3)); "
              "layer.initialize(init.Xavier()); layer.weight.data()[0]");
    {
        nn::Conv2D<nn::conv2d{.channels = 512, .kernel_size = {3, 3}, .in_channels = 512}> layer;
        layer.initialize(init::Xavier{});
        std::cout << layer.weight.data()[0] << "\n";
    }

    // In [4]: deferred initialization: in_channels is unknown, printed as 0.
    cell("4", "layer = nn.Conv2D(channels=1, kernel_size=(3,3)); layer.weight");
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> layer;
    std::cout << layer.weight << "\n";

    // In [5]: the first batch fills it.
    cell("5", "layer.initialize(init.Xavier()); layer(mx.nd.ones((1,8,224,224))); layer.weight");
    layer.initialize(init::Xavier{});
    auto batch = ones<float>(shape(1, 8, 224, 224));
    auto out = layer(batch);
    std::cout << layer.weight << "\n";
    std::cout << "(output shape " << out.shape() << ")\n";

    // In [7] / In [9]: the network lives where its weights live; the output too.
    cell("7", "layer = nn.Conv2D(channels=1, kernel_size=(3,3)); layer.initialize(init.Xavier(), ctx=mx.cpu())");
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}, float, cpu> layer2;
    layer2.initialize(init::Xavier{}, cpu(0));
    std::cout << layer2 << "\n";
    cell("9", "layer(nd.uniform(shape=(1,3,9,9), ctx=mx.cpu()))");
    Tensor<float, Shape<dyn, dyn, dyn, dyn>> x = random::uniform<float>(shape(1, 3, 9, 9), random::key_for("input"),
                                                                        0.0f, 1.0f, cpu(0));
    std::cout << layer2(x) << "\n";

    // Set Data: from a gpu-tag tensor, read back on the cpu.
    cell("-", "layer.weight.set_data(nd.ones((1,3,3,3), ctx=mx.gpu())); layer.weight.data()");
#if KILN_HAS_GPU_BACKEND
    layer2.weight.set_data(ones<float>(shape(1, 3, 3, 3), gpu(0)));
#else
    std::cout << "(this build has no gpu backend: the ones come from cpu(0))\n";
    layer2.weight.set_data(ones<float>(shape(1, 3, 3, 3), cpu(0)));
#endif
    std::cout << layer2.weight.data() << "\n";
}
