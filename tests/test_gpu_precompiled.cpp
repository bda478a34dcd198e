// Precompiled mode: a file compiled by g++ in a CUDA build (KILN_GPU_BACKEND_CUDA without nvcc) runs
// the gpu tag through libkiln_cuda. Every precompiled operation against the cpu tag, for float and
// double: fills, copies, views, the element-wise operations, casts, random fills and every
// initializer (bit-identical), reductions, Conv2D and Dense forward, and the device errors.
// Built as test_cuda_precompiled (with tests/cuda/precompiled_main.cpp: exit 77 without a GPU), and
// as test_separate_gpu_host: the same mode in a -DKILN_SEPARATE_KERNELS program on a host backend
// (thrust-cpp, thrust-omp), whose operations kiln/gpu/host_library.ipp defines on the host; that
// build runs everywhere, CI included.
#include "kiln_test.hpp"

#include <kiln/gpu/library.hpp>
#include <kiln/init_mixed.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#if !KILN_GPU_PRECOMPILED
#error "test_gpu_precompiled.cpp checks precompiled mode: compile it with g++/clang++ and -DKILN_GPU_BACKEND_CUDA, or with -DKILN_SEPARATE_KERNELS and a host gpu backend"
#endif
#if defined(__CUDACC__) || defined(THRUST_VERSION) || defined(CUB_VERSION) || defined(CUDART_VERSION) || \
    defined(__CUDA_RUNTIME_H__) || defined(__CUDA_RUNTIME_API_H__)
#error "precompiled mode must not pull nvcc-only, Thrust or CUDA runtime headers into a host-compiled file"
#endif

using namespace kiln;

namespace {

// ------------------------------------------------------------------------------ the node list
// What has a precompiled kernel (the concept device_ops<gpu>::run checks), and what needs nvcc.
template <class T, class U>
constexpr bool all_elementwise_nodes_precompiled() {
    using L = node::leaf<T>;
    using S = node::scalar<T>;
    auto binary_forms = []<class Op>(Op) {
        return gpu_exec::precompiled_node<node::binary<Op, L, L>> && gpu_exec::precompiled_node<node::binary<Op, L, S>> &&
               gpu_exec::precompiled_node<node::binary<Op, S, L>>;
    };
    return gpu_exec::precompiled_node<S> && gpu_exec::precompiled_node<L> &&
           gpu_exec::precompiled_node<node::unary<ops::negate, L>> && gpu_exec::precompiled_node<node::unary<ops::abs_, L>> &&
           gpu_exec::precompiled_node<node::unary<ops::exp_, L>> && gpu_exec::precompiled_node<node::unary<ops::log_, L>> &&
           gpu_exec::precompiled_node<node::unary<ops::sqrt_, L>> && gpu_exec::precompiled_node<node::unary<ops::relu, L>> &&
           gpu_exec::precompiled_node<node::unary<ops::sigmoid, L>> &&
           gpu_exec::precompiled_node<node::unary<ops::tanh_, L>> && binary_forms(ops::plus{}) &&
           binary_forms(ops::minus{}) && binary_forms(ops::multiplies{}) && binary_forms(ops::divides{}) &&
           binary_forms(ops::maximum{}) && binary_forms(ops::minimum{}) &&
           gpu_exec::precompiled_node<node::convert<T, node::leaf<U>>> &&
           gpu_exec::precompiled_node<node::convert<T, node::leaf<T>>> &&
           gpu_exec::precompiled_node<node::uniform_random<T>> && gpu_exec::precompiled_node<node::normal_random<T>>;
}
static_assert(all_elementwise_nodes_precompiled<float, double>());
static_assert(all_elementwise_nodes_precompiled<double, float>());
// two operations, an operation of a random draw, a converted expression, scalar op scalar: nvcc only
static_assert(!gpu_exec::precompiled_node<
              node::binary<ops::plus, node::binary<ops::multiplies, node::leaf<float>, node::scalar<float>>, node::scalar<float>>>);
static_assert(!gpu_exec::precompiled_node<node::unary<ops::exp_, node::unary<ops::negate, node::leaf<double>>>>);
static_assert(!gpu_exec::precompiled_node<node::binary<ops::multiplies, node::uniform_random<float>, node::scalar<float>>>);
static_assert(!gpu_exec::precompiled_node<node::convert<double, node::unary<ops::abs_, node::leaf<float>>>>);
static_assert(!gpu_exec::precompiled_node<node::binary<ops::plus, node::scalar<float>, node::scalar<float>>>);

// ------------------------------------------------------------------------------ helpers
const std::size_t sizes[] = {0, 1, 7, 255, 256, 257, 4099, 100003};

template <class T>
bool same_value(T a, T b) {
    if (std::isnan(a) && std::isnan(b)) return true;  // NaN payloads may differ between cpu and gpu
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// The cpu result c and the gpu result g, element by element: every pair must satisfy agree(a, b);
// the message counts the pairs that do not and shows the first.
template <class T, class Agree>
void check_elementwise(const std::vector<T>& c, const std::vector<T>& g, const std::string& what, Agree agree) {
    REQUIRE(c.size() == g.size());
    std::size_t bad = 0, first = c.size();
    for (std::size_t i = 0; i < c.size(); ++i)
        if (!agree(c[i], g[i])) {
            if (!bad) first = i;
            ++bad;
        }
    INFO(what << ": " << bad << " of " << c.size() << " differ"
              << (bad ? ", first at " + std::to_string(first) + ": cpu " + std::to_string(c[first]) + " gpu " +
                            std::to_string(g[first])
                      : std::string()));
    CHECK(bad == 0);
}

// Identical values (IEEE operations).
template <class T>
void check_identical(const std::vector<T>& c, const std::vector<T>& g, const std::string& what) {
    check_elementwise(c, g, what, [](T a, T b) { return same_value(a, b); });
}

// Library transcendental functions (exp, log, tanh, sigmoid) differ by a few ulp between the cpu's
// and CUDA's implementations: equal up to eps * (1 + |value|), same class when not finite.
template <class T>
void check_close(const std::vector<T>& c, const std::vector<T>& g, const std::string& what) {
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    check_elementwise(c, g, what, [eps](T x, T y) {
        const double a = x, b = y;
        if (!std::isfinite(a) || !std::isfinite(b)) return (std::isnan(a) && std::isnan(b)) || a == b;
        return std::fabs(a - b) <= eps * (1.0 + std::max(std::fabs(a), std::fabs(b)));
    });
}

// Values in [lo, hi), with the special values sprinkled in when `specials`.
template <class T>
std::vector<T> values(std::size_t n, unsigned seed, double lo = -4.0, double hi = 4.0, bool specials = true) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<T> v(n);
    for (auto& e : v) e = static_cast<T>(d(rng));
    if (specials) {
        using lim = std::numeric_limits<T>;
        const T sp[] = {T(0), -T(0), T(1), T(-1), lim::infinity(), -lim::infinity(), lim::quiet_NaN(),
                        lim::denorm_min(), lim::min(), lim::max(), lim::lowest(), T(0.5), T(-2.5)};
        for (std::size_t i = 0; i < n; i += 11) v[i] = sp[(i / 11) % std::size(sp)];
    }
    return v;
}

// Runs make(ctx) (an expression) on cpu(0) and gpu(0) with the same inputs; returns both results.
template <class T, class Make>
std::pair<std::vector<T>, std::vector<T>> both(const std::vector<T>& av, const std::vector<T>& bv, Make make) {
    const auto s = shape(av.size());
    auto ac = from_values<T>(s, av, cpu(0));
    auto bc = from_values<T>(s, bv, cpu(0));
    auto ag = from_values<T>(s, av, gpu(0));
    auto bg = from_values<T>(s, bv, gpu(0));
    Tensor<T, Shape<dyn>, cpu> rc = make(ac, bc);
    Tensor<T, Shape<dyn>, gpu> rg = make(ag, bg);
    return {rc.to_vector(), rg.to_vector()};
}

template <class T>
const char* type_name() {
    return std::is_same_v<T, float> ? "float" : "double";
}

struct seed_guard {
    std::uint64_t saved = random::current_seed();
    ~seed_guard() { random::seed(saved); }
};

}  // namespace

// ================================================================================== storage, copies
TEST_CASE_TEMPLATE("precompiled: fills, copies and views match the cpu tag", T, float, double) {
    for (std::size_t n : sizes) {
        CAPTURE(n);
        const auto s = shape(n);
        CHECK(zeros<T>(s, gpu(0)).to_vector() == std::vector<T>(n, T(0)));
        CHECK(ones<T>(s, gpu(0)).to_vector() == std::vector<T>(n, T(1)));
        CHECK(full<T>(s, T(-2.75), gpu(0)).to_vector() == std::vector<T>(n, T(-2.75)));
        const auto v = values<T>(n, 1u + unsigned(n));
        auto g = from_values<T>(s, v, gpu(0));
        CHECK(same_bits(g.to_vector(), v));
        auto copy = g;  // deep copy on the device
        copy.fill(T(3));
        CHECK(same_bits(g.to_vector(), v));
        CHECK(copy.to_vector() == std::vector<T>(n, T(3)));
        auto moved = std::move(copy);
        CHECK(moved.to_vector() == std::vector<T>(n, T(3)));
        // across devices, and gpu to gpu
        auto h = g.to(cpu(0));
        CHECK(same_bits(h.to_vector(), v));
        auto g2 = h.to(gpu(0));
        CHECK(same_bits(g2.to_vector(), v));
        auto g3 = g2.to(gpu(0));
        CHECK(same_bits(g3.to_vector(), v));
        Tensor<T, Shape<dyn>, gpu> assigned(s, gpu(0));
        assigned = g3.slice(0, n);  // a leaf expression: the copy kernel
        CHECK(same_bits(assigned.to_vector(), v));
    }
}

TEST_CASE_TEMPLATE("precompiled: views write through, overlapping shifted views read before writing", T, float, double) {
    const auto v = values<T>(100, 5u, -4.0, 4.0, false);
    auto h = from_values<T>(shape(100), v, cpu(0));
    auto g = from_values<T>(shape(100), v, gpu(0));
    // shifted overlapping views: evaluated into a temporary first (tensor.hpp's execute)
    h.slice(10, 40) = h.slice(0, 30);
    g.slice(10, 40) = g.slice(0, 30);
    check_identical(h.to_vector(), g.to_vector(), "t[10:40] = t[0:30]");
    h.slice(0, 30) = h.slice(5, 35) * T(2);
    g.slice(0, 30) = g.slice(5, 35) * T(2);
    check_identical(h.to_vector(), g.to_vector(), "t[0:30] = t[5:35] * 2");
    h.slice(50, 100) = T(1) - h.slice(25, 75);
    g.slice(50, 100) = T(1) - g.slice(25, 75);
    check_identical(h.to_vector(), g.to_vector(), "t[50:100] = 1 - t[25:75]");
    // in place, same start: no temporary
    h = h * h;
    g = g * g;
    check_identical(h.to_vector(), g.to_vector(), "t = t * t");
    auto hm = h.reshape(shape(c<10>, c<10>));
    auto gm = g.reshape(shape(c<10>, c<10>));
    auto hr = hm[3];
    auto gr = gm[3];
    hr.fill(T(-1));
    gr.fill(T(-1));
    check_identical(h.to_vector(), g.to_vector(), "row 3 filled through a view");
    // the raw overlapping device copy (memmove semantics), both directions
    auto raw = from_values<T>(shape(100), v, gpu(0));
    auto mem = v;
    detail::device_ops<gpu>::copy_within(raw.data() + 7, raw.data(), 60);
    std::memmove(mem.data() + 7, mem.data(), 60 * sizeof(T));
    CHECK(same_bits(raw.to_vector(), mem));
    detail::device_ops<gpu>::copy_within(raw.data(), raw.data() + 13, 80);
    std::memmove(mem.data(), mem.data() + 13, 80 * sizeof(T));
    CHECK(same_bits(raw.to_vector(), mem));
}

// ================================================================================== element-wise
TEST_CASE_TEMPLATE("precompiled: tensor op tensor, tensor op scalar, scalar op tensor", T, float, double) {
    for (std::size_t n : sizes) {
        CAPTURE(n);
        const auto av = values<T>(n, 11u);
        const auto bv = values<T>(n, 12u);
        const T s = T(1.75);
        auto run = [&](const char* what, auto make) {
            auto [c, g] = both<T>(av, bv, make);
            check_identical(c, g, std::string(type_name<T>()) + " " + what);
        };
        run("a + b", [](auto& a, auto& b) { return a + b; });
        run("a - b", [](auto& a, auto& b) { return a - b; });
        run("a * b", [](auto& a, auto& b) { return a * b; });
        run("a / b", [](auto& a, auto& b) { return a / b; });
        run("max(a, b)", [](auto& a, auto& b) { return max(a, b); });
        run("min(a, b)", [](auto& a, auto& b) { return min(a, b); });
        run("a + s", [s](auto& a, auto&) { return a + s; });
        run("a - s", [s](auto& a, auto&) { return a - s; });
        run("a * s", [s](auto& a, auto&) { return a * s; });
        run("a / s", [s](auto& a, auto&) { return a / s; });
        run("max(a, s)", [s](auto& a, auto&) { return max(a, s); });
        run("min(a, s)", [s](auto& a, auto&) { return min(a, s); });
        run("s + a", [s](auto& a, auto&) { return s + a; });
        run("s - a", [s](auto& a, auto&) { return s - a; });
        run("s * a", [s](auto& a, auto&) { return s * a; });
        run("s / a", [s](auto& a, auto&) { return s / a; });
        // scalar op tensor for max/min exists as a node (binary<Op, scalar, leaf>); build it directly
        run("max(s, a) node", [s](auto& a, auto&) {
            using D = typename std::remove_cvref_t<decltype(a)>::device_type;
            using N = node::binary<ops::maximum, node::scalar<T>, node::leaf<T>>;
            return Expr<N, Shape<dyn>, D>(N{{s}, {a.data(), a.size()}}, a.shape(), a.context());
        });
        run("min(s, a) node", [s](auto& a, auto&) {
            using D = typename std::remove_cvref_t<decltype(a)>::device_type;
            using N = node::binary<ops::minimum, node::scalar<T>, node::leaf<T>>;
            return Expr<N, Shape<dyn>, D>(N{{s}, {a.data(), a.size()}}, a.shape(), a.context());
        });
        // an integer scalar converts to T first, as on the cpu
        run("a * 3 (int)", [](auto& a, auto&) { return a * 3; });
    }
}

TEST_CASE_TEMPLATE("precompiled: unary functions", T, float, double) {
    for (std::size_t n : sizes) {
        CAPTURE(n);
        const auto av = values<T>(n, 21u);
        const auto pos = values<T>(n, 22u, 1e-3, 50.0);  // log / sqrt of positive values too
        auto exact = [&](const char* what, const std::vector<T>& in, auto make) {
            auto [c, g] = both<T>(in, in, make);
            check_identical(c, g, std::string(type_name<T>()) + " " + what);
        };
        auto close = [&](const char* what, const std::vector<T>& in, auto make) {
            auto [c, g] = both<T>(in, in, make);
            check_close(c, g, std::string(type_name<T>()) + " " + what);
        };
        exact("-a", av, [](auto& a, auto&) { return -a; });
        exact("abs(a)", av, [](auto& a, auto&) { return abs(a); });
        exact("relu(a)", av, [](auto& a, auto&) { return relu(a); });
        exact("sqrt(a)", av, [](auto& a, auto&) { return sqrt(a); });
        exact("sqrt(a > 0)", pos, [](auto& a, auto&) { return sqrt(a); });
        // subnormal inputs included (av and pos hold denorm_min): the cpu's log rescales them
        close("exp(a)", av, [](auto& a, auto&) { return exp(a); });
        close("log(a)", av, [](auto& a, auto&) { return log(a); });
        close("log(a > 0)", pos, [](auto& a, auto&) { return log(a); });
        close("sigmoid(a)", av, [](auto& a, auto&) { return sigmoid(a); });
        close("tanh(a)", av, [](auto& a, auto&) { return tanh(a); });
    }
}

TEST_CASE("precompiled: cast between float and double") {
    for (std::size_t n : sizes) {
        CAPTURE(n);
        const auto fv = values<float>(n, 31u);
        auto dv = values<double>(n, 32u);
        if (n > 3) dv[3] = 1e300;  // beyond float: inf on both
        auto fc = from_values<float>(shape(n), fv, cpu(0));
        auto dc = from_values<double>(shape(n), dv, cpu(0));
        auto fg = fc.to(gpu(0));
        auto dg = dc.to(gpu(0));
        Tensor<double, Shape<dyn>, cpu> f2d_c = cast<double>(fc);
        Tensor<double, Shape<dyn>, gpu> f2d_g = cast<double>(fg);
        check_identical(f2d_c.to_vector(), f2d_g.to_vector(), "cast<double>(float)");
        Tensor<float, Shape<dyn>, cpu> d2f_c = cast<float>(dc);
        Tensor<float, Shape<dyn>, gpu> d2f_g = cast<float>(dg);
        check_identical(d2f_c.to_vector(), d2f_g.to_vector(), "cast<float>(double)");
        Tensor<float, Shape<dyn>, gpu> same_f = cast<float>(fg);
        check_identical(fv, same_f.to_vector(), "cast<float>(float)");
        Tensor<double, Shape<dyn>, gpu> same_d = cast<double>(dg);
        check_identical(dv, same_d.to_vector(), "cast<double>(double)");
    }
}

TEST_CASE("precompiled: a chain of single operations gives the fused result") {
    // what a g++ user writes instead of one fused expression: one assignment per operation
    const auto xv = values<float>(1000, 41u, -3.0, 3.0, false);
    auto xc = from_values<float>(shape(1000), xv, cpu(0));
    auto xg = xc.to(gpu(0));
    Tensor<float, Shape<dyn>, cpu> fused = relu(xc * 2.0f - 1.0f);
    Tensor<float, Shape<dyn>, gpu> t = xg * 2.0f;
    t = t - 1.0f;
    t = relu(t);
    check_identical(fused.to_vector(), t.to_vector(), "relu(x * 2 - 1) in three steps");
}

TEST_CASE("precompiled: the grid-stride loop covers more elements than one grid") {
    // one grid is 2^20 blocks of 256 threads = 2^28 elements
    const std::size_t n = (std::size_t{1} << 28) + 37;
    Tensor<float, Shape<dyn>, gpu> t(shape(n), gpu(0), Tensor<float, Shape<dyn>, gpu>::uninitialized_tag{});
    t.fill(2.0f);
    t = t * 1.5f;
    auto tail = t.slice(n - 40, n).to_vector();
    CHECK(tail == std::vector<float>(40, 3.0f));
    auto head = t.slice(0, 3).to_vector();
    CHECK(head == std::vector<float>(3, 3.0f));
    CHECK(max(t) == 3.0f);
    CHECK(min(t) == 3.0f);
}

// ================================================================================== random fills
TEST_CASE_TEMPLATE("precompiled: uniform and normal draws are bit-identical to the cpu tag", T, float, double) {
    const auto k = random::key_for("conv0_weight", 0);
    const auto k2 = random::key_for("dense3_weight", 77);
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{16}, std::size_t{37},
                          std::size_t{4608}, std::size_t{100003}, std::size_t{1} << 20}) {
        CAPTURE(n);
        const auto s = shape(n);
        auto same = [&](const char* what, auto make) {
            Tensor<T, Shape<dyn>, cpu> c = make(cpu(0));
            Tensor<T, Shape<dyn>, gpu> g = make(gpu(0));
            INFO(type_name<T>() << " " << what);
            CHECK(same_bits(c.to_vector(), g.to_vector()));
        };
        same("uniform(-1, 1)", [&](auto ctx) { return random::uniform<T>(s, k, T(-1), T(1), ctx); });
        same("uniform(-3.5, 0.25)", [&](auto ctx) { return random::uniform<T>(s, k2, T(-3.5), T(0.25), ctx); });
        same("uniform(0, 1)", [&](auto ctx) { return random::uniform<T>(s, k, T(0), T(1), ctx); });
        same("uniform clamped below high", [&](auto ctx) {
            return random::uniform<T>(s, k, T(1), std::nextafter(T(1), T(2)), ctx);
        });
        same("uniform reversed bounds", [&](auto ctx) { return random::uniform<T>(s, k, T(2), T(-1), ctx); });
        same("normal(0, 1)", [&](auto ctx) { return random::normal<T>(s, k, T(0), T(1), ctx); });
        same("normal(0.5, 2)", [&](auto ctx) { return random::normal<T>(s, k2, T(0.5), T(2), ctx); });
        same("normal(-2, 0.01)", [&](auto ctx) { return random::normal<T>(s, k, T(-2), T(0.01), ctx); });
    }
    // a slice filled by a draw holds the first elements of the whole draw, as on the cpu
    Tensor<T, Shape<dyn>, gpu> t(shape(100), gpu(0));
    t.slice(0, 64) = random::uniform<T>(shape(64), k, T(-1), T(1), gpu(0));
    Tensor<T, Shape<dyn>, cpu> whole = random::uniform<T>(shape(100), k, T(-1), T(1), cpu(0));
    auto part = t.to_vector();
    auto w = whole.to_vector();
    CHECK(same_bits(std::vector<T>(part.begin(), part.begin() + 64), std::vector<T>(w.begin(), w.begin() + 64)));
}

TEST_CASE_TEMPLATE("precompiled: every initializer gives bit-identical values on cpu and gpu", T, float, double) {
    seed_guard guard;
    auto same = [](const auto& i, auto s, const char* name) {
        auto a = zeros<T>(s, cpu(0));
        auto b = zeros<T>(s, gpu(0));
        i(init::make_desc(name), a.view());
        i(init::make_desc(name), b.view());
        return same_bits(a.to_vector(), b.to_vector());
    };
    for (std::uint64_t sd : {std::uint64_t{0}, std::uint64_t{42}}) {
        random::seed(sd);
        CAPTURE(sd);
        const auto s = shape(37, 5, 3, 3);
        const auto st = shape(c<8>, c<3>, c<3>, c<3>);  // static shape: scales at compile time
        CHECK(same(init::Zero{}, s, "w"));
        CHECK(same(init::One{}, s, "w"));
        CHECK(same(init::Constant(0.3), s, "w"));
        CHECK(same(init::Constant(ones<float>(shape(37, 5, 3, 3), cpu(0))), s, "w"));
        CHECK(same(init::Uniform{}, s, "layer0_weight"));
        CHECK(same(init::Uniform{0.5}, st, "layer0_weight"));
        CHECK(same(init::Normal{}, s, "layer0_weight"));
        CHECK(same(init::Normal{2.0}, st, "layer1_weight"));
        CHECK(same(init::Xavier{}, s, "layer0_weight"));
        CHECK(same(init::Xavier{}, st, "layer0_weight"));
        CHECK(same(init::Xavier{.rnd = init::rnd_type::gaussian, .factor = init::factor_type::out}, s, "conv3_weight"));
        CHECK(same(init::Xavier{.rnd = init::rnd_type::gaussian, .factor = init::factor_type::in, .magnitude = 2},
                   st, "conv3_weight"));
        CHECK(same(init::MSRAPrelu{}, s, "conv0_weight"));
        CHECK(same(init::MSRAPrelu{.factor = init::factor_type::in, .slope = 0.1}, st, "conv0_weight"));
        CHECK(same(init::Orthogonal{}, s, "dense0_weight"));
        CHECK(same(init::Orthogonal{.rand_type = init::rnd_type::gaussian}, s, "dense0_weight"));
        CHECK(same(init::Orthogonal{.scale = 0.5}, shape(3, 40), "dense0_weight"));
        CHECK(same(init::Bilinear{}, s, "up_weight"));
        CHECK(same(init::LSTMBias{}, shape(40), "lstm_bias"));
        CHECK(same(init::LSTMBias{.forget_bias = 2.5}, shape(41), "lstm_bias"));
        init::Mixed mixed{init::rule{".*weight", init::Xavier{}}, init::rule{".*bias", init::Normal{0.1}},
                          init::rule{".*", init::Zero{}}};
        CHECK(same(mixed, s, "conv9_weight"));
        CHECK(same(mixed, shape(37), "conv9_bias"));
        CHECK(same(mixed, shape(37), "gamma"));
    }
}

// ================================================================================== reductions
TEST_CASE_TEMPLATE("precompiled: sum, mean, max and min of a tensor", T, float, double) {
    for (std::size_t n : sizes) {
        CAPTURE(n);
        const auto v = values<T>(n, 51u, -10.0, 10.0, false);
        auto c = from_values<T>(shape(n), v, cpu(0));
        auto g = c.to(gpu(0));
        double exact = 0;
        for (T x : v) exact += x;
        const double tol = (std::is_same_v<T, float> ? 1e-5 : 1e-12) * (1.0 + std::sqrt(double(n)) * 10.0);
        CHECK(double(sum(g)) == doctest::Approx(exact).epsilon(tol));
        CHECK(double(sum(g)) == doctest::Approx(double(sum(c))).epsilon(tol));
        static_assert(std::is_same_v<decltype(sum(g)), T>);
        if (n == 0) {
            CHECK(sum(g) == T(0));
            CHECK_THROWS_AS(mean(g), shape_error);
            CHECK_THROWS_AS(max(g), shape_error);
            CHECK_THROWS_AS(min(g), shape_error);
            continue;
        }
        CHECK(double(mean(g)) == doctest::Approx(exact / double(n)).epsilon(tol));
        CHECK(max(g) == max(c));
        CHECK(min(g) == min(c));
        CHECK(max(g) == *std::max_element(v.begin(), v.end()));
        CHECK(min(g) == *std::min_element(v.begin(), v.end()));
        // a view reduces only its own elements
        if (n >= 10) {
            auto gv = g.slice(3, 9);
            auto cv = c.slice(3, 9);
            CHECK(max(gv) == max(cv));
            CHECK(min(gv) == min(cv));
            CHECK(double(sum(gv)) == doctest::Approx(double(sum(cv))).epsilon(tol));
        }
    }
    // the extreme is found wherever it is
    for (std::size_t at : {std::size_t{0}, std::size_t{1}, std::size_t{4098}, std::size_t{100002}}) {
        std::vector<T> v(100003, T(1));
        v[at] = T(7);
        v[(at + 50000) % v.size()] = T(-7);
        auto g = from_values<T>(shape(v.size()), v, gpu(0));
        CHECK(max(g) == T(7));
        CHECK(min(g) == T(-7));
        CHECK(sum(g) == T(100001));
    }
}

// ================================================================================== layers
namespace {
template <class T>
void check_conv_against_cpu(const nn::kernels::conv2d_params& p, bool with_bias, unsigned seed) {
    const auto x = values<T>(p.x_size(), seed, -1.0, 1.0, false);
    const auto w = values<T>(p.w_size(), seed + 1, -1.0, 1.0, false);
    const auto b = values<T>(p.K, seed + 2, -1.0, 1.0, false);
    std::vector<T> yc(p.y_size());
    nn::kernels::conv2d_forward(cpu(0), p, x.data(), w.data(), with_bias ? b.data() : nullptr, yc.data());
    auto xg = from_values<T>(shape(x.size()), x, gpu(0));
    auto wg = from_values<T>(shape(w.size()), w, gpu(0));
    auto bg = from_values<T>(shape(b.size()), b, gpu(0));
    Tensor<T, Shape<dyn>, gpu> yg(shape(p.y_size()), gpu(0));
    nn::kernels::conv2d_forward(gpu(0), p, xg.data(), wg.data(), with_bias ? bg.data() : nullptr, yg.data());
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    const double scale = double(p.C / p.groups * p.R * p.S);
    auto got = yg.to_vector();
    std::size_t bad = 0;
    for (std::size_t i = 0; i < yc.size(); ++i)
        if (!(std::fabs(double(got[i]) - double(yc[i])) <= eps * (1.0 + scale))) ++bad;
    CHECK(bad == 0);
}
}  // namespace

TEST_CASE_TEMPLATE("precompiled: conv2d forward matches the cpu kernel", T, float, double) {
    using P = nn::kernels::conv2d_params;
    unsigned seed = 100;
    for (const P& p : {P{1, 3, 9, 9, 1, 3, 3}, P{2, 8, 17, 13, 6, 3, 3, 1, 1, 1, 1},
                       P{.N = 1, .C = 3, .H = 64, .W = 64, .K = 16, .R = 7, .S = 7, .stride_h = 2, .stride_w = 2,
                         .pad_h = 3, .pad_w = 3},
                       P{.N = 3, .C = 6, .H = 11, .W = 12, .K = 9, .R = 3, .S = 2, .stride_h = 2, .stride_w = 1,
                         .pad_h = 1, .pad_w = 0, .dil_h = 2, .dil_w = 3, .groups = 3},
                       P{.N = 1, .C = 4, .H = 5, .W = 5, .K = 4, .R = 1, .S = 1, .groups = 4},
                       P{0, 3, 9, 9, 4, 3, 3}}) {
        INFO("N " << p.N << " C " << p.C << " H " << p.H << " W " << p.W << " K " << p.K << " groups " << p.groups);
        check_conv_against_cpu<T>(p, true, seed++);
        check_conv_against_cpu<T>(p, false, seed++);
    }
}

TEST_CASE_TEMPLATE("precompiled: Conv2D and Dense layers on gpu match the same layers on cpu", T, float, double) {
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = {3, 3}, .padding = {1, 1}}, T, cpu> cc;
    cc.initialize(init::Xavier{.rnd = init::rnd_type::gaussian});
    naming::reset();
    nn::Conv2D<nn::conv2d{.channels = 4, .kernel_size = {3, 3}, .padding = {1, 1}}, T, gpu> cg;
    cg.initialize(init::Xavier{.rnd = init::rnd_type::gaussian}, gpu(0));
    const auto xv = values<T>(2 * 3 * 8 * 8, 61u, -1.0, 1.0, false);
    auto yc = cc(from_values<T>(shape(2, 3, 8, 8), xv, cpu(0)));
    auto yg = cg(from_values<T>(shape(2, 3, 8, 8), xv, gpu(0)));
    CHECK(same_bits(cc.weight.data().to_vector(), cg.weight.data().to_vector()));
    CHECK(to_string(yg.context()) == "gpu(0)");
    CHECK(yg.shape().str() == "(2, 4, 8, 8)");
    check_close(yc.to_vector(), yg.to_vector(), "Conv2D forward");

    naming::reset();
    nn::Dense<nn::dense{.units = 5}, T, cpu> dc(init::none, init::Constant(0.25));
    dc.initialize(init::Uniform{0.5});
    naming::reset();
    nn::Dense<nn::dense{.units = 5}, T, gpu> dg(init::none, init::Constant(0.25));
    dg.initialize(init::Uniform{0.5}, gpu(0));
    const auto dv = values<T>(3 * 2 * 7, 62u, -1.0, 1.0, false);
    auto zc = dc(from_values<T>(shape(3, 2, 7), dv, cpu(0)));
    auto zg = dg(from_values<T>(shape(3, 2, 7), dv, gpu(0)));
    CHECK(same_bits(dc.weight.data().to_vector(), dg.weight.data().to_vector()));
    CHECK(zg.shape().str() == "(3, 5)");
    check_close(zc.to_vector(), zg.to_vector(), "Dense forward");

    // the kernel entry point directly, without bias, and with no rows
    const auto w = values<T>(5 * 14, 63u, -1.0, 1.0, false);
    auto xg = from_values<T>(shape(dv.size()), dv, gpu(0));
    auto wg = from_values<T>(shape(w.size()), w, gpu(0));
    Tensor<T, Shape<dyn>, gpu> out(shape(3 * 5), gpu(0));
    nn::kernels::dense_forward(gpu(0), xg.data(), wg.data(), static_cast<const T*>(nullptr), out.data(), 3, 14, 5);
    std::vector<T> want(15);
    nn::kernels::dense_forward(cpu(0), dv.data(), w.data(), static_cast<const T*>(nullptr), want.data(), 3, 14, 5);
    check_close(want, out.to_vector(), "dense_forward without bias");
    CHECK_NOTHROW(nn::kernels::dense_forward(gpu(0), xg.data(), wg.data(), static_cast<const T*>(nullptr),
                                             out.data(), 0, 14, 5));
}

// ================================================================================== printing, errors
TEST_CASE("precompiled: gpu tensors print as Gluon's, like the cpu tag") {
    auto c = arange<float>(12, cpu(0));
    auto g = arange<float>(12, gpu(0));
    std::ostringstream sc, sg;
    sc << c;
    sg << g;
    std::string want = sc.str();
    want.replace(want.find("@cpu(0)"), 7, "@gpu(0)");
    CHECK(sg.str() == want);
}

TEST_CASE("precompiled: device errors name the device, the byte count or the CUDA call") {
    const int count = gpu_lib::device_count();
    REQUIRE(count >= 1);
#if KILN_GPU_HOST_LIBRARY
    const std::string backend = gpu_detail::backend_name();
    REQUIRE(count == 1);
    CHECK(kiln_test::error_text<device_error>([&] { (void)zeros<float>(shape(2), gpu(1)); }) ==
          "kiln: gpu(1) does not exist: the " + backend + " gpu backend provides one device, gpu(0)");
    CHECK(kiln_test::error_text<device_error>([&] { (void)zeros<float>(shape(2), gpu(-1)); }) ==
          "kiln: gpu(-1) does not exist: the " + backend + " gpu backend provides one device, gpu(0)");
#if defined(KILN_GPU_BACKEND_THRUST_OMP)
    CHECK(backend == "thrust-omp");
#else
    CHECK(backend == "thrust-cpp");
#endif
#else
    const std::string backend = "cuda";
    CHECK(kiln_test::error_text<device_error>([&] { (void)zeros<float>(shape(2), gpu(count)); }) ==
          "kiln: gpu(" + std::to_string(count) + ") does not exist: this machine has " + std::to_string(count) +
              " CUDA device(s)");
    CHECK(kiln_test::error_text<device_error>([&] { (void)zeros<float>(shape(2), gpu(-1)); }) ==
          "kiln: gpu(-1) does not exist: this machine has " + std::to_string(count) + " CUDA device(s)");
    CHECK(gpu_detail::backend_name() == std::string("cuda"));
#endif
    // an allocation no device can satisfy: 2^58 floats
    const std::size_t huge = std::size_t{1} << 58;
    using G = Tensor<float, Shape<dyn>, gpu>;
    CHECK(kiln_test::error_text<device_error>([&] { G t(shape(huge), gpu(0), G::uninitialized_tag{}); }) ==
          "kiln: cannot allocate " + std::to_string(huge * sizeof(float)) + " bytes on gpu(0) (" + backend +
              " backend)");
    // ... and the device keeps working afterwards
    auto ok = full<float>(shape(5), 2.0f, gpu(0));
    CHECK(sum(ok) == 10.0f);
}

TEST_CASE("precompiled: every gpu ordinal of the machine works") {
    const int count = gpu_lib::device_count();
    for (int d = 0; d < count; ++d) {
        CAPTURE(d);
        auto a = arange<double>(1000, gpu(d));
        Tensor<double, Shape<dyn>, gpu> b = a * 2.0;
        CHECK(sum(b) == 999.0 * 1000.0);
        CHECK(to_string(b.context()) == "gpu(" + std::to_string(d) + ")");
        auto back = b.to(gpu(0));  // across devices
        CHECK(back.to_vector() == b.to_vector());
    }
}
