// Conv2D and Dense: parameter shapes, deferred initialization, forward on both devices, printing.
#include "kiln_test.hpp"

#include <kiln/nn/conv2d.hpp>
#include <kiln/nn/dense.hpp>

#include <array>
#include <atomic>
#include <cstring>
#include <sstream>
#include <thread>

using namespace kiln;

namespace layers_test {
template <class X>
std::string text(const X& x) {
    std::ostringstream os;
    os << x;
    return os.str();
}

// A user-written initializer that counts how often it runs.
struct counting_init {
    std::atomic<int>* calls;
    template <class T, class S, class D>
    void operator()(const init::desc&, TensorView<T, S, D> out) const {
        calls->fetch_add(1);
        out.fill(T(0.5));
    }
};
static_assert(init::Initializer<counting_init>);

template <class T>
std::vector<T> values(std::size_t n, double scale) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(std::sin(0.91 * double(i) + 0.3) * scale);
    return v;
}
}  // namespace layers_test
using namespace layers_test;

TEST_CASE("Conv2D parameter shapes: static in_channels, deferred in_channels, groups") {
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 1}> a;
    static_assert(std::is_same_v<decltype(a)::weight_shape, Shape<1, 1, 3, 3>>);
    CHECK(a.weight.shape().str() == "(1, 1, 3, 3)");
    CHECK(a.bias.shape().str() == "(1,)");
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = 3}> b;
    static_assert(std::is_same_v<decltype(b)::weight_shape, Shape<1, dyn, 3, 3>>);
    CHECK(b.weight.shape().str() == "(1, 0, 3, 3)");
    nn::Conv2D<nn::conv2d{.channels = 8, .kernel_size = {3, 5}, .groups = 2, .in_channels = 4}> g;
    CHECK(g.weight.shape().str() == "(8, 2, 3, 5)");
}

TEST_CASE("Conv2D prints as Gluon's, before and after the deferred shape is known") {
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> l;
    CHECK(l.repr() == "Conv2D(None -> 1, kernel_size=(3, 3), stride=(1, 1))");
    l.initialize(init::Xavier{});
    auto y = l(ones<float>(shape(1, 8, 224, 224)));
    CHECK(y.shape().str() == "(1, 1, 222, 222)");
    CHECK(text(l) == "Conv2D(8 -> 1, kernel_size=(3, 3), stride=(1, 1))");
    CHECK(l.weight.repr() == "Parameter conv0_weight (shape=(1, 8, 3, 3), dtype=<class 'numpy.float32'>)");
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = 3, .strides = 2, .padding = 1, .dilation = {2, 1},
                          .groups = 2, .use_bias = false, .in_channels = 6}>
        o;
    CHECK(o.repr() == "Conv2D(3 -> 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 1), groups=2, "
                      "bias=False)");
    CHECK(text(o.collect_params()) ==
          "conv1_ (\n  Parameter conv1_weight (shape=(4, 3, 3, 3), dtype=<class 'numpy.float32'>)\n)");
    CHECK(text(l.collect_params()) ==
          "conv0_ (\n  Parameter conv0_weight (shape=(1, 8, 3, 3), dtype=<class 'numpy.float32'>)\n"
          "  Parameter conv0_bias (shape=(1,), dtype=<class 'numpy.float32'>)\n)");
}

TEST_CASE_TEMPLATE("Conv2D forward matches the reference; static output shape when the input is static", D,
                   KILN_TEST_DEVICES) {
    nn::Conv2D<nn::conv2d{.channels = 2, .kernel_size = {3, 3}, .padding = 1, .in_channels = 3}, float, D> l(
        init::none, init::Constant(0.25));
    l.initialize(init::Xavier{}, D(0));
    auto xv = values<float>(2 * 3 * 9 * 9, 1.0);
    auto x = from_values<float>(shape(c<2>, c<3>, c<9>, c<9>), xv, D(0));
    auto y = l(x);
    static_assert(std::is_same_v<decltype(y), Tensor<float, Shape<2, 2, 9, 9>, D>>);
    nn::kernels::conv2d_params p{};
    p.N = 2, p.C = 3, p.H = 9, p.W = 9, p.K = 2, p.R = 3, p.S = 3, p.pad_h = 1, p.pad_w = 1;
    std::vector<float> ref(p.y_size());
    auto wv = l.weight.data().to_vector();
    auto bv = l.bias.data().to_vector();
    CHECK(bv == std::vector<float>(2, 0.25f));
    nn::kernels::conv2d_reference(p, xv.data(), wv.data(), bv.data(), ref.data());
    auto got = y.to_vector();
    for (std::size_t i = 0; i < ref.size(); ++i) REQUIRE(got[i] == doctest::Approx(ref[i]).epsilon(1e-5));
    CHECK(to_string(y.context()) == to_string(D(0)));
}

TEST_CASE_TEMPLATE("a later input with other channels is a shape_error and leaves the layer unchanged", D,
                   KILN_TEST_DEVICES) {
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}, float, D> l;
    l.initialize(init::Xavier{}, D(0));
    (void)l(ones<float>(shape(1, 3, 9, 9), D(0)));
    auto before = l.weight.data().to_vector();
    CHECK(kiln_test::error_text<shape_error>([&] { (void)l(ones<float>(shape(1, 8, 9, 9), D(0))); }) ==
          "kiln: conv" + l.name().substr(4) + " expects 3 input channels but the input has 8: input (1, 8, 9, 9) vs "
          "weight (1, 3, 3, 3)");
    CHECK(l.weight.shape().str() == "(1, 3, 3, 3)");
    CHECK(l.weight.data().to_vector() == before);
}

TEST_CASE("a first input whose channels the groups do not divide is a shape_error; the weight stays deferred") {
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = {3, 3}, .groups = 2}> l;
    l.initialize(init::Xavier{});
    CHECK(kiln_test::error_text<shape_error>([&] { (void)l(ones<float>(shape(1, 3, 5, 5))); }) ==
          "kiln: input num_filter must divide group size: the input has 3 channels, " + l.name() + " has 2 groups");
    CHECK(l.weight.state() == param_state::deferred);
    CHECK(l.weight.shape().str() == "(4, 0, 3, 3)");
    CHECK(l(ones<float>(shape(1, 6, 5, 5))).shape().str() == "(1, 4, 3, 3)");
    CHECK(l.weight.shape().str() == "(4, 3, 3, 3)");
}

TEST_CASE("an input on another device of the layer's type is a device_error naming both") {
    nn::Conv2D<nn::conv2d{.channels = 2, .kernel_size = {3, 3}, .in_channels = 1}> c;
    c.initialize(init::Xavier{}, cpu(0));
    CHECK(kiln_test::error_text<device_error>([&] { (void)c(ones<float>(shape(1, 1, 5, 5), cpu(1))); }) ==
          "kiln: the input is on cpu(1) but " + c.name() + "'s parameters are on cpu(0)");
    nn::Dense<nn::dense{.units = 2, .in_units = 3}> d;
    d.initialize(init::Xavier{}, cpu(0));
    CHECK(kiln_test::error_text<device_error>([&] { (void)d(ones<float>(shape(4, 3), cpu(1))); }) ==
          "kiln: the input is on cpu(1) but " + d.name() + "'s parameters are on cpu(0)");
}

TEST_CASE("Conv2D on prepared weights: the same bits as the layer, a snapshot, and errors") {
    // 16 -> 32 channels 3x3: Winograd, so the prepared weights hold the transform
    nn::Conv2D<nn::conv2d{.channels = 32, .kernel_size = {3, 3}, .padding = 1}> l;
    CHECK_THROWS_AS((void)l.prepare(), uninitialized_error);
    l.initialize(init::Xavier{});
    CHECK_THROWS_AS((void)l.prepare(), deferred_init_error);  // in_channels not known yet
    l.bias.set_data(from_values<float>(shape(32), values<float>(32, 0.5)));
    const auto x = from_values<float>(shape(2, 16, 11, 9), values<float>(2 * 16 * 11 * 9, 1.0));
    auto on_weight = l(x);  // the layer on its weight parameter (Winograd, transformed in the call)
    const auto want = on_weight.to_vector();
    const auto pw = l.prepare();
    CHECK(pw.transformed());
    CHECK(pw.weight_shape() == std::array<std::size_t, 4>{32, 16, 3, 3});
    auto y = l(x, pw);
    kiln_test::expect_same_type(y, on_weight);  // the same tensor type as layer(x)
    CHECK(y.shape().str() == "(2, 32, 11, 9)");
    auto got = y.to_vector();
    CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
    // a snapshot: a later change to the weight reaches layer(x) but not layer(x, pw)
    l.weight.data().fill(0.f);
    got = l(x, pw).to_vector();
    CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
    const auto bias = values<float>(32, 0.5);
    const auto changed = l(x).to_vector();  // the layer itself sees the zeroed weight: the bias alone
    for (std::size_t i = 0; i < changed.size(); ++i) REQUIRE(changed[i] == bias[(i / (11 * 9)) % 32]);
    // weights prepared by another layer with another shape: a shape_error naming both
    nn::Conv2D<nn::conv2d{.channels = 8, .kernel_size = {3, 3}, .padding = 1, .in_channels = 16}> other;
    other.initialize();
    CHECK(kiln_test::error_text<shape_error>([&] { (void)l(x, other.prepare()); }) ==
          "kiln: conv2d: the prepared weights are (8, 16, 3, 3) with 1 group(s), but this convolution needs "
          "weights (K, C/groups, R, S) = (32, 16, 3, 3) with 1 group(s)");
    // a layer whose kernel is not Winograd (the tutorial's 8 -> 1): a copy, the same bits
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 8}> t;
    t.initialize(init::Xavier{});
    const auto x8 = from_values<float>(shape(1, 8, 12, 10), values<float>(8 * 12 * 10, 1.0));
    const auto pt = t.prepare();
    CHECK_FALSE(pt.transformed());
    CHECK(t(x8, pt).to_vector() == t(x8).to_vector());
}

TEST_CASE("forward before initialize is Gluon's error; the layer stays usable") {
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> l;
    CHECK_THROWS_AS((void)l(ones<float>(shape(1, 2, 5, 5))), uninitialized_error);
    CHECK(l.weight.state() == param_state::declared);
    l.initialize();
    CHECK(l(ones<float>(shape(1, 2, 5, 5))).shape().str() == "(1, 1, 3, 3)");
}

TEST_CASE("eager and deferred initialization give bit-identical weights for the same name and seed") {
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = {3, 3}, .in_channels = 8}> eager;
    eager.initialize(init::Xavier{});
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = {3, 3}}> lazy;
    lazy.initialize(init::Xavier{});
    (void)lazy(ones<float>(shape(1, 8, 5, 5)));
    auto a = eager.weight.data().to_vector(), b = lazy.weight.data().to_vector();
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

#if KILN_HAS_GPU_BACKEND
TEST_CASE("the same layer on cpu and gpu gets bit-identical weights and matching outputs") {
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 3, .kernel_size = {3, 3}}, float, cpu> lc;
    lc.initialize(init::Xavier{.rnd = init::rnd_type::gaussian});
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 3, .kernel_size = {3, 3}}, float, gpu> lg;
    lg.initialize(init::Xavier{.rnd = init::rnd_type::gaussian}, gpu(0));
    auto xv = values<float>(2 * 5 * 7 * 7, 2.0);
    auto yc = lc(from_values<float>(shape(2, 5, 7, 7), xv, cpu(0)));
    auto yg = lg(from_values<float>(shape(2, 5, 7, 7), xv, gpu(0)));
    auto wc = lc.weight.data().to_vector(), wg = lg.weight.data().to_vector();
    CHECK(std::memcmp(wc.data(), wg.data(), wc.size() * sizeof(float)) == 0);
    auto a = yc.to_vector(), b = yg.to_vector();
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(b[i] == doctest::Approx(a[i]).epsilon(1e-5));
    CHECK(to_string(yg.context()) == "gpu(0)");
}
#endif

TEST_CASE("a concurrent first forward of a deferred layer initializes it exactly once") {
    for (int round = 0; round < 20; ++round) {
        std::atomic<int> calls{0};
        nn::Conv2D<nn::conv2d{.channels = 2, .kernel_size = {3, 3}}> l(counting_init{&calls});
        l.initialize();
        auto x = ones<float>(shape(1, 4, 6, 6));
        std::atomic<bool> go{false};
        float s1 = 0, s2 = 0;
        std::thread t1([&] {
            while (!go) {
            }
            s1 = sum(l(x));
        });
        std::thread t2([&] {
            while (!go) {
            }
            s2 = sum(l(x));
        });
        go = true;
        t1.join();
        t2.join();
        REQUIRE(calls.load() == 1);
        REQUIRE(s1 == s2);
        REQUIRE(s1 == doctest::Approx(2 * 16 * 0.5f * 36));
    }
}

TEST_CASE_TEMPLATE("Dense: deferred in_units, flatten, forward against a direct computation", D, KILN_TEST_DEVICES) {
    naming::reset();
    nn::Dense<nn::dense{.units = 3}, float, D> fc(init::none, init::Constant(1.0));
    CHECK(fc.repr() == "Dense(None -> 3, linear)");
    CHECK(fc.weight.repr() == "Parameter dense0_weight (shape=(3, 0), dtype=float32)");
    fc.initialize(init::Normal{0.5}, D(0));
    auto xv = values<float>(2 * 2 * 5, 1.0);
    auto y = fc(from_values<float>(shape(c<2>, c<2>, c<5>), xv, D(0)));
    static_assert(std::is_same_v<typename decltype(y)::shape_type, Shape<2, 3>>);
    CHECK(fc.repr() == "Dense(10 -> 3, linear)");
    auto w = fc.weight.data().to_vector();
    auto got = y.to_vector();
    for (std::size_t m = 0; m < 2; ++m)
        for (std::size_t u = 0; u < 3; ++u) {
            double acc = 1.0;
            for (std::size_t k = 0; k < 10; ++k) acc += double(xv[m * 10 + k]) * w[u * 10 + k];
            REQUIRE(got[m * 3 + u] == doctest::Approx(acc).epsilon(1e-5));
        }
    nn::Dense<nn::dense{.units = 4, .flatten = false, .in_units = 5}, float, D> last;
    last.initialize(init::One{}, D(0));
    auto z = last(from_values<float>(shape(2, 2, 5), xv, D(0)));
    CHECK(z.shape().str() == "(2, 2, 4)");
    CHECK(z.to_vector()[0] == doctest::Approx(xv[0] + xv[1] + xv[2] + xv[3] + xv[4]));
    CHECK(kiln_test::error_text<shape_error>([&] { (void)last(ones<float>(shape(2, 3), D(0))); }) ==
          "kiln: dense1 expects 5 input features but the input (2, 3) has 3 (weight (4, 5))");
}
