// kiln walkthrough of the Gluon initialization tutorial (../shared/seed/).
//
// This first version shows the core the tutorial stands on: shapes that are static where known and
// deferred (printed 0) where not, device-tagged tensors, fused expressions and Gluon's printing.
// Initializers, parameters and Conv2D arrive with the tutorial issue.
#include <kiln/kiln.hpp>

#include <iostream>

using namespace kiln;

int main() {
    // In [4]: the deferred weight shape of Conv2D(channels=1, kernel_size=(3,3)).
    auto weight_shape = shape(c<1>, deferred, c<3>, c<3>);
    std::cout << "deferred weight shape: " << weight_shape << "\n";

    // In [5]: the first batch (1, 8, 224, 224) fills the deferred extent.
    auto batch = ones<float>(shape(1, 8, 224, 224), cpu(0));
    fill_deferred(weight_shape, shape(c<1>, batch.shape()[1], c<3>, c<3>));
    std::cout << "after the first batch: " << weight_shape << "\n";
    std::cout << "conv output extent: " << conv_out_extent(batch.shape()[2], c<3>) << " (static: "
              << conv_out_extent(c<224>, c<3>).value << ")\n";

    // A deterministic 1x1x7x7 tensor, printed as Gluon prints an NDArray.
    auto flat = arange<float>(49);
    auto x = flat.reshape(shape(c<1>, c<1>, c<7>, c<7>));
    Tensor<float, Shape<1, 1, 7, 7>> y = tanh(x * 0.37f - 9.0f) * 0.5f + relu(sigmoid(x) - 0.9f);
    std::cout << y << "\n";

    // The same expression on the gpu tag (Thrust's host system in this build) and back.
#if KILN_HAS_GPU_BACKEND
    auto xg = x.to(gpu(0));
    Tensor<float, Shape<1, 1, 7, 7>, gpu> yg = tanh(xg * 0.37f - 9.0f) * 0.5f + relu(sigmoid(xg) - 0.9f);
    std::cout << yg << "\n";
    std::cout << "max |cpu - gpu| = " << max(abs(yg.to(cpu(0)) - y)) << "\n";
#endif
    std::cout << "sum=" << sum(y) << " mean=" << mean(y) << " min=" << min(y) << " max=" << max(y) << "\n";
}
