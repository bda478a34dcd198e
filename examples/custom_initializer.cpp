// A user-written initializer works everywhere a built-in one does: on a parameter, as a layer's
// weight_initializer, as the block-level default, inside init::Mixed, on cpu and on gpu.
//
// Dirac: the identity convolution (PyTorch's dirac_): weight[k][k % in][kh/2][kw/2] = 1, so a
// Conv2D with as many output as input channels and "same" padding starts as the identity map.
#include <kiln/init_mixed.hpp>  // init::Mixed
#include <kiln/kiln.hpp>

#include <iostream>
#include <vector>

using namespace kiln;

struct Dirac {
    double value = 1.0;

    template <class T, class S, class D>
    void operator()(const init::desc& d, TensorView<T, S, D> out) const {
        if constexpr (S::rank() != 4) {
            static_assert(!S::is_static, "Dirac fills a rank-4 (out, in, kh, kw) convolution weight");
            throw init_error("Dirac initializer needs a 4-D weight, " + std::string(d.name) + " has shape " +
                             out.shape().str());
        } else {
            const auto s = out.shape();
            std::vector<T> w(s.size(), T(0));
            for (std::size_t k = 0; k < s[0]; ++k)
                w[((k * s[1] + k % s[1]) * s[2] + s[2] / 2) * s[3] + s[3] / 2] = static_cast<T>(value);
            kiln::detail::transfer<D, cpu>(out.data(), w.data(), w.size());  // works for either device
        }
    }
};
static_assert(init::Initializer<Dirac>);

int main() {
    // As a layer's weight initializer: the layer is the identity on its first forward.
    nn::Conv2D<nn::conv2d{.channels = 2, .kernel_size = {3, 3}, .padding = 1, .in_channels = 2}> conv(Dirac{});
    conv.initialize();
    auto flat = arange<float>(2 * 4 * 4);
    auto x = flat.reshape(shape(c<1>, c<2>, c<4>, c<4>));
    auto y = conv(x);
    std::cout << "identity conv: max |y - x| = " << max(abs(y - x)) << y << "\n";

    // Inside Mixed, next to built-in initializers.
    init::Mixed mixed{init::rule{".*weight", Dirac{0.5}}, init::rule{".*", init::Zero{}}};
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> lazy;
    lazy.initialize(mixed);
    (void)lazy(ones<float>(shape(1, 2, 5, 5)));
    std::cout << lazy.weight << lazy.weight.data() << "\n";

    // A misuse is Gluon-style: a clear error naming the parameter.
    Parameter<float, Shape<dyn>> bias("custom_bias", shape(4), true);
    try {
        bias.initialize_default(Dirac{});
    } catch (const init_error& e) {
        std::cout << "error: " << e.what() << "\n";
    }
}
