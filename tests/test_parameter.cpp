// Parameters: states, Gluon's transitions and texts, set_data, names.
#include "kiln_test.hpp"

#include <kiln/nn/conv2d.hpp>

#include <vector>

using namespace kiln;

namespace parameter_test {
// Collects warnings instead of printing them; restores the previous handler on destruction.
struct warning_capture {
    std::vector<std::string> seen;
    warning_handler old;
    warning_capture() : old(set_warning_handler([this](std::string_view m) { seen.emplace_back(m); })) {}
    ~warning_capture() { set_warning_handler(old); }
};
}  // namespace parameter_test
using namespace parameter_test;

TEST_CASE("repr keeps Gluon's text byte for byte") {
    Parameter<float, Shape<1, dyn, 3, 3>> w("conv2_weight", Shape<1, dyn, 3, 3>{}, true);
    CHECK(w.repr() == "Parameter conv2_weight (shape=(1, 0, 3, 3), dtype=<class 'numpy.float32'>)");
    Parameter<float, Shape<256, dyn>> d("dense0_weight", Shape<256, dyn>{}, true, dtype_style::name);
    CHECK(d.repr() == "Parameter dense0_weight (shape=(256, 0), dtype=float32)");
    Parameter<double, Shape<1>> b("conv2_bias");
    CHECK(b.repr() == "Parameter conv2_bias (shape=(1,), dtype=<class 'numpy.float64'>)");
    std::ostringstream os;
    os << static_cast<const parameter_base&>(b);
    CHECK(os.str() == b.repr());
}

TEST_CASE("declared -> initialized; data() before initialize is Gluon's RuntimeError") {
    Parameter<float, Shape<2, 3>> p("fc_weight");
    CHECK(p.state() == param_state::declared);
    CHECK(kiln_test::error_text<uninitialized_error>([&] { (void)p.data(); }) ==
          "Parameter 'fc_weight' has not been initialized. Note that you should initialize parameters and create "
          "Trainer with Block.collect_params() instead of Block.params because the later does not include "
          "Parameters of nested child Blocks");
    p.initialize(init::One{});
    CHECK(p.state() == param_state::initialized);
    CHECK(p.data().to_vector() == std::vector<float>(6, 1.0f));
}

TEST_CASE("deferred: data() raises DeferredInitializationError's text until the shape is known") {
    Parameter<float, Shape<1, dyn, 3, 3>> w("conv2_weight", Shape<1, dyn, 3, 3>{}, true);
    w.initialize(init::One{});
    CHECK(w.state() == param_state::deferred);
    CHECK(kiln_test::error_text<deferred_init_error>([&] { (void)w.data(); }) ==
          "Parameter 'conv2_weight' has not been initialized yet because initialization was deferred. Actual "
          "initialization happens during the first forward pass. Please pass one batch of data through the network "
          "before accessing Parameters. You can also avoid deferred initialization by specifying in_units, "
          "num_features, etc., for network layers.");
    CHECK(kiln_test::error_text<init_error>([&] { w.finish_deferred_init(); }) ==
          "Cannot initialize Parameter 'conv2_weight' because it has invalid shape: (1, 0, 3, 3). Please specify "
          "in_units, in_channels, etc for `Block`s.");
    CHECK(w.state() == param_state::deferred);
    w.finish_deferred_init(shape(1, 8, 3, 3));
    CHECK(w.state() == param_state::initialized);
    CHECK(w.shape().str() == "(1, 8, 3, 3)");
    CHECK(w.data().to_vector() == std::vector<float>(72, 1.0f));
}

TEST_CASE("a parameter that does not allow deferred init refuses an unknown shape") {
    Parameter<float, Shape<dyn>> p("x");
    CHECK(kiln_test::error_text<init_error>([&] { p.initialize(); }) ==
          "Cannot initialize Parameter 'x' because it has invalid shape: (0,).");
    CHECK(p.state() == param_state::declared);
}

TEST_CASE("re-initializing warns with Gluon's text and changes nothing; force_reinit re-initializes") {
    warning_capture w;
    Parameter<float, Shape<4>> p("p");
    p.initialize(init::One{});
    p.initialize(init::Zero{});
    REQUIRE(w.seen.size() == 1);
    CHECK(w.seen[0] == "Parameter 'p' is already initialized, ignoring. Set force_reinit=True to re-initialize.");
    CHECK(p.data().to_vector() == std::vector<float>(4, 1.0f));
    p.initialize(init::Zero{}, cpu(0), true);
    CHECK(p.data().to_vector() == std::vector<float>(4, 0.0f));
    CHECK(w.seen.size() == 1);
}

TEST_CASE("precedence: explicit > the parameter's own > the block-level default (Uniform 0.07)") {
    Parameter<float, Shape<3>> a("a");
    a.set_init(init::Constant(2.0));
    a.initialize_default(init::Constant(5.0));
    CHECK(a.data().to_vector() == std::vector<float>(3, 2.0f));
    Parameter<float, Shape<3>> b("b");
    b.set_init(init::Constant(2.0));
    b.initialize(init::Constant(7.0));
    CHECK(b.data().to_vector() == std::vector<float>(3, 7.0f));
    Parameter<float, Shape<1000>> c("c");
    c.initialize();
    auto v = c.data().to_vector();
    float lo = 1, hi = -1;
    for (float x : v) lo = std::min(lo, x), hi = std::max(hi, x);
    CHECK(lo >= -0.07f);
    CHECK(hi < 0.07f);
    CHECK(hi - lo > 0.13f);
}

TEST_CASE("data(ctx) on another ordinal is Gluon's wrong-context error") {
    Parameter<float, Shape<2>> p("w");
    p.initialize(init::One{}, cpu(0));
    CHECK(p.data(cpu(0)).size() == 2);
    CHECK(kiln_test::error_text<device_error>([&] { (void)p.data(cpu(1)); }) ==
          "Parameter 'w' was not initialized on context cpu(1). It was only initialized on [cpu(0)].");
}

TEST_CASE_TEMPLATE("set_data copies across devices, casts dtype and fills the shape", D, KILN_TEST_DEVICES) {
    Parameter<float, Shape<1, dyn, 3, 3>, cpu> w("conv2_weight", Shape<1, dyn, 3, 3>{}, true);
    // never initialized: Gluon's assertion text, nothing changes
    CHECK(kiln_test::error_text<uninitialized_error>([&] { w.set_data(ones<float>(shape(1, 3, 3, 3), D(0))); }) ==
          "Parameter 'conv2_weight' has not been initialized");
    CHECK(w.shape().str() == "(1, 0, 3, 3)");

    // deferred: the data is kept, the initializer skipped; data() still deferred until completion
    w.initialize(init::Constant(9.0));
    w.set_data(ones<double>(shape(1, 3, 3, 3), D(0)));
    CHECK(w.shape().str() == "(1, 3, 3, 3)");
    CHECK(w.state() == param_state::deferred);
    w.finish_deferred_init();
    CHECK(w.data().to_vector() == std::vector<float>(27, 1.0f));
    CHECK(to_string(w.data().context()) == "cpu(0)");

    // initialized: copy from the other device with conversion
    w.set_data(full<double>(shape(1, 3, 3, 3), 0.5, D(0)));
    CHECK(w.data().to_vector() == std::vector<float>(27, 0.5f));

    // a shape that contradicts a known extent: Gluon's text, parameter unchanged
    CHECK(kiln_test::error_text<shape_error>([&] { w.set_data(ones<float>(shape(1, 8, 3, 3), D(0))); }) ==
          "Expected shape (1, 8, 3, 3) is incompatible with given shape (1, 3, 3, 3).");
    CHECK(w.shape().str() == "(1, 3, 3, 3)");
    CHECK(w.data().to_vector() == std::vector<float>(27, 0.5f));
}

TEST_CASE("layer names follow Gluon's per-kind counters and can be reset") {
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 1}> a;
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> b;
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> c;
    CHECK(a.weight.name() == "conv0_weight");
    CHECK(b.bias.name() == "conv1_bias");
    CHECK(c.weight.repr() == "Parameter conv2_weight (shape=(1, 0, 3, 3), dtype=<class 'numpy.float32'>)");
    CHECK(naming::next("dense") == "dense0");
    naming::reset();
    CHECK(naming::next("conv") == "conv0");
}
