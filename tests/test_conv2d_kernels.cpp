// Conv2D forward kernels (NCHW): the parameter checks, the naive reference against hand-computed
// values and an independent formulation, then the cpu and gpu kernels against the reference on
// random configurations and on the tutorial's shapes. Device-generic cases run for every device tag.
#include "kiln_test.hpp"

#include <kiln/nn/conv2d_kernels.hpp>

#include "conv2d_configs.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace conv2d_test {

using kiln::nn::kernels::conv2d_params;

template <class T>
std::vector<T> uniform(std::mt19937& rng, std::size_t n, double lo = -1.0, double hi = 1.0) {
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<T> v(n);
    for (auto& e : v) e = static_cast<T>(d(rng));
    return v;
}

// Inputs for one configuration; the bias has K entries and is used only when with_bias.
template <class T>
struct problem {
    conv2d_params p;
    bool with_bias;
    std::vector<T> x, w, b;
};

template <class T>
problem<T> make_problem(const conv2d_params& p, bool with_bias, std::mt19937& rng) {
    problem<T> pr{p, with_bias, uniform<T>(rng, p.x_size()), uniform<T>(rng, p.w_size()), uniform<T>(rng, p.K)};
    return pr;
}

template <class T>
std::vector<T> reference(const problem<T>& pr) {
    std::vector<T> y(pr.p.y_size());
    kiln::nn::kernels::conv2d_reference(pr.p, pr.x.data(), pr.w.data(), pr.with_bias ? pr.b.data() : nullptr,
                                        y.data());
    return y;
}

// Runs conv2d_forward on device tag D; y starts as NaN so an element the kernel skips shows up.
template <class D, class T>
std::vector<T> run_on(const problem<T>& pr) {
    using kiln::shape;
    const auto& p = pr.p;
    auto x = kiln::from_values<T>(shape(p.x_size()), pr.x, D(0));
    auto w = kiln::from_values<T>(shape(p.w_size()), pr.w, D(0));
    auto b = kiln::from_values<T>(shape(p.K), pr.b, D(0));
    auto y = kiln::full<T>(shape(p.y_size()), std::numeric_limits<T>::quiet_NaN(), D(0));
    kiln::nn::kernels::conv2d_forward(D(0), p, x.data(), w.data(), pr.with_bias ? b.data() : nullptr, y.data());
    return y.to_vector();
}

template <class T>
constexpr double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

// max over elements of |got - ref| / max(|ref|, 1); NaN (an unwritten element) counts as infinite.
template <class T>
double worst_error(const std::vector<T>& got, const std::vector<T>& ref) {
    if (got.size() != ref.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double r = ref[i], e = std::fabs(double(got[i]) - r) / std::max(std::fabs(r), 1.0);
        if (!(e <= worst)) worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
    }
    return worst;
}

// The shared generator (tests/conv2d_configs.hpp), checking that validate() rejects every
// combination it skips.
inline std::vector<conv2d_params> checked_random_configs(std::size_t count, unsigned seed) {
    return random_configs(count, seed, [](const conv2d_params& p) { REQUIRE_THROWS_AS(p.validate(), kiln::shape_error); });
}

// The same convolution computed differently from conv2d_reference: the input is first copied into an
// explicitly zero-padded buffer, then every tap is read without bounds checks.
inline std::vector<double> padded_conv(const conv2d_params& p, const std::vector<double>& x,
                                       const std::vector<double>& w, const double* bias) {
    const std::size_t Hp = p.H + 2 * p.pad_h, Wp = p.W + 2 * p.pad_w;
    std::vector<double> xp(p.N * p.C * Hp * Wp, 0.0);
    for (std::size_t nc = 0; nc < p.N * p.C; ++nc)
        for (std::size_t h = 0; h < p.H; ++h)
            for (std::size_t v = 0; v < p.W; ++v)
                xp[(nc * Hp + h + p.pad_h) * Wp + v + p.pad_w] = x[(nc * p.H + h) * p.W + v];
    const std::size_t P = (Hp - p.dil_h * (p.R - 1) - 1) / p.stride_h + 1;
    const std::size_t Q = (Wp - p.dil_w * (p.S - 1) - 1) / p.stride_w + 1;
    const std::size_t Cg = p.C / p.groups, Kg = p.K / p.groups;
    std::vector<double> y(p.N * p.K * P * Q);
    for (std::size_t n = 0; n < p.N; ++n)
        for (std::size_t g = 0; g < p.groups; ++g)
            for (std::size_t kk = 0; kk < Kg; ++kk) {
                const std::size_t k = g * Kg + kk;
                for (std::size_t i = 0; i < P * Q; ++i) {
                    const std::size_t oh = i / Q, ow = i % Q;
                    double acc = bias ? bias[k] : 0.0;
                    for (std::size_t cc = 0; cc < Cg; ++cc)
                        for (std::size_t r = 0; r < p.R; ++r)
                            for (std::size_t s = 0; s < p.S; ++s)
                                acc += w[((k * Cg + cc) * p.R + r) * p.S + s] *
                                       xp[((n * p.C + g * Cg + cc) * Hp + oh * p.stride_h + r * p.dil_h) * Wp +
                                          ow * p.stride_w + s * p.dil_w];
                    y[(n * p.K + k) * P * Q + i] = acc;
                }
            }
    return y;
}

template <class D, class T>
void check_random_configs(unsigned seed) {
    const auto configs = checked_random_configs(250, seed);
    std::mt19937 rng(seed + 1);
    std::size_t grouped = 0, strided = 0, padded = 0, dilated = 0, biased = 0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const conv2d_params& p = configs[i];
        const auto pr = make_problem<T>(p, i % 2 == 0, rng);
        const double err = worst_error(run_on<D>(pr), reference(pr));
        INFO("config ", i, ": ", describe(p), pr.with_bias ? ", with bias" : ", no bias");
        REQUIRE(err <= tolerance<T>);
        grouped += p.groups > 1;
        strided += p.stride_h > 1 || p.stride_w > 1;
        padded += p.pad_h > 0 || p.pad_w > 0;
        dilated += p.dil_h > 1 || p.dil_w > 1;
        biased += pr.with_bias;
    }
    // the sample really exercises every feature
    CHECK(grouped >= 20);
    CHECK(strided >= 50);
    CHECK(padded >= 50);
    CHECK(dilated >= 50);
    CHECK(biased == 125);
}

template <class D, class T>
void check_named_shape(const conv2d_params& p, std::size_t P, std::size_t Q, bool with_bias, unsigned seed) {
    REQUIRE(p.P() == P);
    REQUIRE(p.Q() == Q);
    std::mt19937 rng(seed);
    const auto pr = make_problem<T>(p, with_bias, rng);
    const auto got = run_on<D>(pr);
    REQUIRE(got.size() == p.N * p.K * P * Q);
    INFO(describe(p));
    CHECK(worst_error(got, reference(pr)) <= tolerance<T>);
}

}  // namespace conv2d_test

using conv2d_test::conv2d_params;
namespace kk = kiln::nn::kernels;

TEST_CASE("conv2d_params: P() and Q() follow the output-size formula") {
    for (std::size_t in = 1; in <= 20; ++in)
        for (std::size_t k = 1; k <= 5; ++k)
            for (std::size_t st = 1; st <= 3; ++st)
                for (std::size_t pad = 0; pad <= 2; ++pad)
                    for (std::size_t dil = 1; dil <= 3; ++dil) {
                        // the axis under test is height in p and width in q; the other axis is trivial
                        conv2d_params p{1, 1, in, 1, 1, k, 1};
                        p.stride_h = st, p.pad_h = pad, p.dil_h = dil;
                        conv2d_params q{1, 1, 1, in, 1, 1, k};
                        q.stride_w = st, q.pad_w = pad, q.dil_w = dil;
                        const std::size_t eff = dil * (k - 1) + 1;
                        if (in + 2 * pad < eff) {
                            CHECK(p.P() == 0);
                            CHECK(q.Q() == 0);
                            CHECK_THROWS_AS(p.validate(), kiln::shape_error);
                            CHECK_THROWS_AS(q.validate(), kiln::shape_error);
                            continue;
                        }
                        const std::size_t want = (in + 2 * pad - eff) / st + 1;
                        CHECK(p.P() == want);
                        CHECK(q.Q() == want);
                        CHECK(p.Q() == 1);
                        CHECK(q.P() == 1);
                        CHECK(p.P() == kiln::conv_out_extent(in, k, st, pad, dil));
                        CHECK_NOTHROW(p.validate());
                        CHECK_NOTHROW(q.validate());
                    }
    const conv2d_params tutorial{1, 8, 224, 224, 1, 3, 3};
    CHECK(tutorial.P() == 222);
    CHECK(tutorial.Q() == 222);
    const conv2d_params stem{.N = 1, .C = 3, .H = 224, .W = 224, .K = 64, .R = 7, .S = 7,
                             .stride_h = 2, .stride_w = 2, .pad_h = 3, .pad_w = 3};
    CHECK(stem.P() == 112);
    CHECK(stem.Q() == 112);
    CHECK(stem.x_size() == 3 * 224 * 224);
    CHECK(stem.w_size() == 64 * 3 * 7 * 7);
    CHECK(stem.y_size() == 64 * 112 * 112);
    const conv2d_params nonsquare{.N = 2, .C = 4, .H = 10, .W = 13, .K = 6, .R = 3, .S = 5, .stride_h = 1,
                                  .stride_w = 2, .pad_h = 0, .pad_w = 1, .dil_h = 2, .dil_w = 1, .groups = 2};
    CHECK(nonsquare.P() == 6);  // (10 - 5) / 1 + 1
    CHECK(nonsquare.Q() == 6);  // (13 + 2 - 5) / 2 + 1
    CHECK(nonsquare.w_size() == 6 * 2 * 3 * 5);
}

TEST_CASE("conv2d_params::validate names the numbers") {
    auto msg = [](conv2d_params p) { return kiln_test::error_text<kiln::shape_error>([&] { p.validate(); }); };
    conv2d_params ok{1, 6, 8, 8, 9, 3, 3};
    CHECK(msg(ok) == "<no exception>");

    auto p = ok;
    p.groups = 4;
    CHECK(msg(p) == "kiln: input num_filter must divide group size: 6 input channels cannot be split into 4 groups");
    p.groups = 2;
    CHECK(msg(p) == "kiln: output num_filter must divide group size: 9 output channels cannot be split into 2 groups");
    p.groups = 3;
    CHECK(msg(p) == "<no exception>");
    p.groups = 0;
    CHECK(msg(p) == "kiln: conv2d groups must be at least 1, got 0");

    p = ok;
    p.stride_w = 0;
    CHECK(msg(p) == "kiln: conv2d stride must be at least 1, got (1, 0)");
    p = ok;
    p.stride_h = 0;
    CHECK(msg(p) == "kiln: conv2d stride must be at least 1, got (0, 1)");
    p = ok;
    p.dil_h = 0;
    CHECK(msg(p) == "kiln: conv2d dilation must be at least 1, got (0, 1)");
    p = ok;
    p.S = 0;
    CHECK(msg(p) == "kiln: conv2d kernel must be at least 1x1, got (3, 0)");

    p = ok;
    p.H = 5, p.R = 5, p.dil_h = 2, p.pad_h = 1;
    CHECK(msg(p) == "kiln: kernel size exceeds input: input height 5 with padding 1, dilated kernel height 9 "
                    "(kernel 5, dilation 2)");
    p.pad_h = 2;  // 5 + 4 >= 9: fits exactly, one output row
    CHECK(msg(p) == "<no exception>");
    CHECK(p.P() == 1);
    p = ok;
    p.W = 2;
    CHECK(msg(p) == "kiln: kernel size exceeds input: input width 2 with padding 0, dilated kernel width 3 "
                    "(kernel 3, dilation 1)");
}

TEST_CASE("conv2d reference matches hand-computed values") {
    SUBCASE("2x2 ones kernel on a 3x3 ramp") {
        const conv2d_params p{1, 1, 3, 3, 1, 2, 2};
        const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w{1, 1, 1, 1};
        std::vector<double> y(4);
        kk::conv2d_reference(p, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
        CHECK(y == std::vector<double>{12, 16, 24, 28});
    }
    SUBCASE("padding 1, stride 2, bias") {
        conv2d_params p{1, 1, 3, 3, 1, 3, 3};
        p.pad_h = p.pad_w = 1;
        p.stride_h = p.stride_w = 2;
        const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w(9, 1.0), b{0.5};
        std::vector<double> y(4);
        kk::conv2d_reference(p, x.data(), w.data(), b.data(), y.data());
        // windows centred on the corners: sums of the 2x2 corner blocks
        CHECK(y == std::vector<double>{12.5, 16.5, 24.5, 28.5});
    }
    SUBCASE("dilation 2 reads the four corners") {
        conv2d_params p{1, 1, 3, 3, 1, 2, 2};
        p.dil_h = p.dil_w = 2;
        const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, w{1, 10, 100, 1000};
        std::vector<double> y(1);
        kk::conv2d_reference(p, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
        CHECK(y[0] == 1 + 30 + 700 + 9000);
    }
    SUBCASE("groups: each output channel sees only its own input block") {
        // C = 4, K = 2, groups = 2: channel 0 reads input 0-1, channel 1 reads input 2-3; 1x1 kernel
        conv2d_params p{1, 4, 1, 2, 2, 1, 1};
        p.groups = 2;
        const std::vector<double> x{1, 2, 10, 20, 100, 200, 1000, 2000};  // (1, 4, 1, 2)
        const std::vector<double> w{1, 2, 3, 4};                           // (2, 2, 1, 1)
        std::vector<double> y(4);
        kk::conv2d_reference(p, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
        CHECK(y == std::vector<double>{1 * 1 + 2 * 10, 1 * 2 + 2 * 20, 3 * 100 + 4 * 1000, 3 * 200 + 4 * 2000});
    }
    SUBCASE("non-square kernel, width stride") {
        conv2d_params p{1, 1, 2, 4, 1, 1, 3};
        p.stride_w = 2;
        p.pad_w = 1;
        const std::vector<double> x{1, 2, 3, 4, 5, 6, 7, 8}, w{1, 2, 3};
        std::vector<double> y(4);  // (1, 1, 2, 2)
        kk::conv2d_reference(p, x.data(), w.data(), static_cast<const double*>(nullptr), y.data());
        CHECK(y == std::vector<double>{0 * 1 + 1 * 2 + 2 * 3, 2 * 1 + 3 * 2 + 4 * 3, 0 * 1 + 5 * 2 + 6 * 3,
                                       6 * 1 + 7 * 2 + 8 * 3});
    }
}

TEST_CASE("conv2d reference agrees with an independent zero-padded formulation") {
    const auto configs = conv2d_test::checked_random_configs(60, 7u);
    std::mt19937 rng(8);
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const auto pr = conv2d_test::make_problem<double>(configs[i], i % 2 == 1, rng);
        const auto want = conv2d_test::padded_conv(pr.p, pr.x, pr.w, pr.with_bias ? pr.b.data() : nullptr);
        INFO(conv2d_test::describe(pr.p));
        REQUIRE(conv2d_test::worst_error(conv2d_test::reference(pr), want) <= 1e-13);
    }
}

TEST_CASE_TEMPLATE("conv2d forward matches the reference on random configurations (float)", D, KILN_TEST_DEVICES) {
    conv2d_test::check_random_configs<D, float>(2024u);
}

TEST_CASE_TEMPLATE("conv2d forward matches the reference on random configurations (double)", D, KILN_TEST_DEVICES) {
    conv2d_test::check_random_configs<D, double>(4048u);
}

TEST_CASE_TEMPLATE("conv2d forward on the tutorial's shapes", D, KILN_TEST_DEVICES) {
    const conv2d_params tutorial{1, 8, 224, 224, 1, 3, 3};
    const conv2d_params small{1, 3, 9, 9, 1, 3, 3};
    const conv2d_params stem{.N = 1, .C = 3, .H = 224, .W = 224, .K = 64, .R = 7, .S = 7,
                             .stride_h = 2, .stride_w = 2, .pad_h = 3, .pad_w = 3};
    SUBCASE("(1,8,224,224) -> 1, 3x3, pad 0: (1,1,222,222)") {
        conv2d_test::check_named_shape<D, float>(tutorial, 222, 222, false, 1u);
        conv2d_test::check_named_shape<D, double>(tutorial, 222, 222, true, 2u);
    }
    SUBCASE("(1,3,9,9) -> 1, 3x3: (1,1,7,7)") {
        conv2d_test::check_named_shape<D, float>(small, 7, 7, true, 3u);
        conv2d_test::check_named_shape<D, double>(small, 7, 7, false, 4u);
    }
    SUBCASE("(1,3,224,224) -> 64, 7x7, stride 2, pad 3: (1,64,112,112)") {
        conv2d_test::check_named_shape<D, float>(stem, 112, 112, true, 5u);
        conv2d_test::check_named_shape<D, double>(stem, 112, 112, true, 6u);
    }
}

TEST_CASE_TEMPLATE("conv2d forward: bad parameters throw before anything is read or written", D, KILN_TEST_DEVICES) {
    conv2d_params p{1, 6, 8, 8, 9, 3, 3};
    p.groups = 4;
    const float* none = nullptr;
    CHECK(kiln_test::error_text<kiln::shape_error>([&] {
              kk::conv2d_forward(D(0), p, none, none, none, static_cast<float*>(nullptr));
          }) == "kiln: input num_filter must divide group size: 6 input channels cannot be split into 4 groups");
}

TEST_CASE_TEMPLATE("conv2d forward: an empty batch does nothing", D, KILN_TEST_DEVICES) {
    const conv2d_params p{0, 3, 9, 9, 4, 3, 3};
    CHECK(p.y_size() == 0);
    const double* none = nullptr;
    CHECK_NOTHROW(kk::conv2d_forward(D(0), p, none, none, none, static_cast<double*>(nullptr)));
}

TEST_CASE("conv2d cpu kernel does not need aligned pointers") {
    // the cpu kernel runs on plain host memory at any offset (e.g. a view into a larger tensor)
    conv2d_params p{2, 4, 13, 21, 6, 3, 3};
    p.pad_h = p.pad_w = 1;
    p.groups = 2;
    std::mt19937 rng(11);
    const auto pr = conv2d_test::make_problem<float>(p, true, rng);
    std::vector<float> x(pr.x.size() + 1), w(pr.w.size() + 3), y(p.y_size() + 1);
    std::copy(pr.x.begin(), pr.x.end(), x.begin() + 1);
    std::copy(pr.w.begin(), pr.w.end(), w.begin() + 3);
    kk::conv2d_forward_cpu(p, x.data() + 1, w.data() + 3, pr.b.data(), y.data() + 1);
    const std::vector<float> got(y.begin() + 1, y.end());
    CHECK(conv2d_test::worst_error(got, conv2d_test::reference(pr)) <= 1e-5);
}

// ---------------------------------------------------------------------------------------------
// The vector operations under the cpu kernels (simd_ops.hpp), lane by lane, in whatever form this
// build compiles (AVX-512 or AVX2 masks, SSE2 intrinsics, or the portable lane-by-lane forms).
// Every element of the source is nonzero, so a lane that reads outside its range shows a value
// where 0 is expected; a store outside its lanes overwrites a -1 guard (and ASan, in the
// sanitizer build, flags any access outside the arrays).
TEST_CASE_TEMPLATE("conv2d vector operations: partial loads and stores, gather, transpose", T, float, double) {
    namespace cd = kiln::nn::kernels::conv_detail;
    using V = cd::vec<T>;
    using B = typename V::B;
    constexpr std::size_t L = V::L;
    auto lanes_of = [](const B& v) {
        std::array<T, L> a{};
        v.store_unaligned(a.data());
        return a;
    };
    std::vector<T> src(4 * L);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = T(i + 1);
    const T* p = src.data() + L;  // src[L + i] = L + i + 1

    for (std::size_t n = 0; n <= L; ++n) {
        CAPTURE(n);
        const auto a = lanes_of(V::load_n(p, n)), b = lanes_of(V::load_n_lean(p, n));
        for (std::size_t i = 0; i < L; ++i) {
            CHECK(a[i] == (i < n ? p[i] : T(0)));
            CHECK(b[i] == a[i]);
        }
        std::vector<T> dst(2 * L, T(-1));
        V::store_n(dst.data(), V::load(p), n);
        for (std::size_t i = 0; i < 2 * L; ++i) CHECK(dst[i] == (i < n ? p[i] : T(-1)));
    }
    for (std::ptrdiff_t lo = -1; lo <= std::ptrdiff_t(L); ++lo)
        for (std::ptrdiff_t hi = lo; hi <= std::ptrdiff_t(L) + 1; ++hi)
            for (std::ptrdiff_t start : {std::ptrdiff_t(-2), std::ptrdiff_t(0), std::ptrdiff_t(3)}) {
                CAPTURE(lo);
                CAPTURE(hi);
                CAPTURE(start);
                const auto r = V::lane_range(lo, hi);
                const auto a = lanes_of(V::load_lanes(p, start, r));
                std::vector<T> dst(4 * L, T(-1));
                V::store_lanes(dst.data() + L, start, V::load(p), r);
                for (std::size_t i = 0; i < L; ++i) {
                    const bool in = std::ptrdiff_t(i) >= lo && std::ptrdiff_t(i) < hi;
                    CHECK(a[i] == (in ? p[start + std::ptrdiff_t(i)] : T(0)));
                }
                for (std::ptrdiff_t j = 0; j < std::ptrdiff_t(dst.size()); ++j) {
                    const std::ptrdiff_t i = j - std::ptrdiff_t(L) - start;  // the lane written to dst[j], if any
                    const bool in = i >= 0 && i < std::ptrdiff_t(L) && i >= lo && i < hi;
                    CHECK(dst[std::size_t(j)] == (in ? p[i] : T(-1)));
                }
            }
    for (std::ptrdiff_t stride : {std::ptrdiff_t(1), std::ptrdiff_t(3)}) {
        const typename V::lane_index ix{stride};
        for (std::size_t n = 0; n <= L; ++n) {
            const auto a = lanes_of(V::gather(src.data(), ix, n));
            for (std::size_t i = 0; i < L; ++i) CHECK(a[i] == (i < n ? src[i * std::size_t(stride)] : T(0)));
        }
    }
    B r[L];
    for (std::size_t i = 0; i < L; ++i) r[i] = V::from_lanes([&](std::size_t j) { return T(100 * i + j); });
    V::transpose(r);
    for (std::size_t i = 0; i < L; ++i) {
        const auto a = lanes_of(r[i]);
        for (std::size_t j = 0; j < L; ++j) CHECK(a[j] == T(100 * j + i));
    }
}

// ---------------------------------------------------------------------------------------------
// The cpu algorithms one by one (conv2d_params::algo forces one; the tile / channel layouts of
// Winograd are forced through conv_detail). Every random configuration runs through every path that
// accepts it, plus two variants of it made to fit the restricted paths: no padding and stride_w 1
// (stream), and 3x3 / stride 1 / dilation 1 / one group (winograd).
namespace conv2d_test {

using kiln::nn::kernels::conv2d_algo;
namespace cd = kiln::nn::kernels::conv_detail;

// A cpu path: an algorithm, and for winograd which layout (automatic otherwise).
struct cpu_path {
    conv2d_algo algo;
    cd::wino_layout layout = cd::wino_layout::automatic;
    const char* name;
};

inline const std::vector<cpu_path>& cpu_paths() {
    static const std::vector<cpu_path> paths = {
        {conv2d_algo::automatic, cd::wino_layout::automatic, "automatic"},
        {conv2d_algo::direct, cd::wino_layout::automatic, "direct"},
        {conv2d_algo::stream, cd::wino_layout::automatic, "stream"},
        {conv2d_algo::winograd, cd::wino_layout::automatic, "winograd"},
        {conv2d_algo::winograd, cd::wino_layout::channels, "winograd (channel layout)"},
        {conv2d_algo::winograd, cd::wino_layout::tiles, "winograd (tile layout)"},
    };
    return paths;
}

// Runs one cpu path on plain host vectors (y starts as NaN). x and w may sit at any address (given:
// copies of pr.x and pr.w), y is written y_offset elements into its buffer. prepared: on weights
// prepared first (conv2d_prepare_cpu; for a forced Winograd layout, U from wino_prepare).
template <class T>
std::vector<T> run_path(const problem<T>& pr, const cpu_path& path, const T* x = nullptr, const T* w = nullptr,
                        std::size_t y_offset = 0, bool prepared = false) {
    conv2d_params p = pr.p;
    p.algo = path.algo;
    std::vector<T> y(p.y_size() + y_offset, std::numeric_limits<T>::quiet_NaN());
    const T* xs = x ? x : pr.x.data();
    const T* ws = w ? w : pr.w.data();
    const T* b = pr.with_bias ? pr.b.data() : nullptr;
    if (path.layout != cd::wino_layout::automatic) {
        std::vector<T> U;
        if (prepared) {
            U.resize(cd::wino_u_layout_of<T>(p.C, p.K).size, std::numeric_limits<T>::quiet_NaN());
            cd::wino_prepare(p.C, p.K, ws, U.data());
        }
        cd::conv_winograd(p, xs, ws, b, y.data() + y_offset, path.layout, prepared ? U.data() : nullptr);
    } else if (prepared) {
        const auto pw = kiln::nn::kernels::conv2d_prepare_cpu(p, ws);
        kiln::nn::kernels::conv2d_forward_cpu(p, xs, pw, b, y.data() + y_offset);
    } else {
        kiln::nn::kernels::conv2d_forward_cpu(p, xs, ws, b, y.data() + y_offset);
    }
    return std::vector<T>(y.begin() + std::ptrdiff_t(y_offset), y.end());
}

template <class T>
std::vector<T> run_prepared(const problem<T>& pr, const cpu_path& path) {
    return run_path<T>(pr, path, nullptr, nullptr, 0, true);
}

// Whether two results are the same bits.
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Winograd rounds differently from a dot product: an output's error is proportional to the whole
// 6x6 input window it is computed from, not to its own terms (near a padded corner an output may sum
// a single product). Its error is therefore measured against the largest output magnitude of its
// (image, channel) plane: max over outputs of |y - ref| / max over the plane of (sum over taps of
// |w x| + |bias|). (We see up to ~2e-6 for float with 4..512 channels, ~3e-7 for the direct
// algorithm in the same measure; ~3e-15 for double.)
template <class T>
constexpr double winograd_tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-13;

// The double reference of a problem and, per output, the plane scale of scaled_error.
struct expected {
    std::vector<double> ref, scale;
};

template <class T>
expected expect(const problem<T>& pr) {
    const auto& p = pr.p;
    std::vector<double> xd(pr.x.begin(), pr.x.end()), wd(pr.w.begin(), pr.w.end()), bd(pr.b.begin(), pr.b.end());
    expected e{std::vector<double>(p.y_size()), std::vector<double>(p.y_size())};
    kiln::nn::kernels::conv2d_reference(p, xd.data(), wd.data(), pr.with_bias ? bd.data() : nullptr, e.ref.data());
    for (auto* v : {&xd, &wd, &bd})
        for (auto& a : *v) a = std::fabs(a);
    kiln::nn::kernels::conv2d_reference(p, xd.data(), wd.data(), pr.with_bias ? bd.data() : nullptr, e.scale.data());
    const std::size_t plane = p.P() * p.Q();
    for (std::size_t q = 0; q * plane < e.scale.size(); ++q) {
        const auto first = e.scale.begin() + std::ptrdiff_t(q * plane), end = first + std::ptrdiff_t(plane);
        const double m = std::max(*std::max_element(first, end), 1e-30);
        std::fill(first, end, m);
    }
    return e;
}

template <class T>
double scaled_error(const expected& e, const std::vector<T>& got) {
    if (got.size() != e.ref.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (std::size_t i = 0; i < e.ref.size(); ++i) {
        const double err = std::fabs(double(got[i]) - e.ref[i]) / e.scale[i];
        if (!(err <= worst)) worst = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
    }
    return worst;
}

// The error of path on pr in that measure, and whether it is within the path's tolerance (the
// direct and stream kernels are plain dot products: float 1e-5, double 1e-13).
template <class T>
bool path_ok(const problem<T>& pr, const expected& e, const cpu_path& path, const std::vector<T>& got, double& err) {
    const bool wino = path.algo == conv2d_algo::winograd ||
                      (path.algo == conv2d_algo::automatic &&
                       kiln::nn::kernels::conv2d_choose_algo(pr.p) == conv2d_algo::winograd);
    err = scaled_error(e, got);
    return err <= (wino ? winograd_tolerance<T> : std::is_same_v<T, float> ? 1e-5 : 1e-13);
}

inline conv2d_params stream_variant(conv2d_params p) {
    p.pad_h = p.pad_w = 0;
    p.stride_w = 1;
    while (p.H < p.dil_h * (p.R - 1) + 1) ++p.H;
    while (p.W < p.dil_w * (p.S - 1) + 1) ++p.W;
    return p;
}

inline conv2d_params winograd_variant(conv2d_params p) {
    p.R = p.S = 3;
    p.stride_h = p.stride_w = p.dil_h = p.dil_w = 1;
    p.groups = 1;
    p.pad_h = std::min<std::size_t>(p.pad_h, 2);
    p.pad_w = std::min<std::size_t>(p.pad_w, 2);
    while (p.H + 2 * p.pad_h < 3) ++p.H;
    while (p.W + 2 * p.pad_w < 3) ++p.W;
    return p;
}

// Runs cfg and its two variants through every path that accepts them; returns how many
// (configuration, path) pairs ran per path name.
template <class T>
void check_all_paths(const std::vector<conv2d_params>& configs, unsigned seed, std::map<std::string, int>& ran) {
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < configs.size(); ++i) {
        for (const conv2d_params& p : {configs[i], stream_variant(configs[i]), winograd_variant(configs[i])}) {
            const auto pr = make_problem<T>(p, (i + p.R) % 2 == 0, rng);
            const auto e = expect(pr);
            for (const auto& path : cpu_paths()) {
                if (!kiln::nn::kernels::conv2d_algo_accepts(p, path.algo)) continue;
                const auto got = run_path(pr, path);
                double err = 0;
                const bool ok = path_ok(pr, e, path, got, err);
                INFO("config ", i, ": ", describe(p), std::string(pr.with_bias ? ", with bias; " : ", no bias; "),
                     std::string(path.name), ": error ", err);
                REQUIRE(ok);
                ++ran[path.name];
                // the same path on prepared weights: the same bits
                REQUIRE(same_bits(run_prepared(pr, path), got));
                ++ran[std::string(path.name) + " (prepared)"];
            }
        }
    }
}

}  // namespace conv2d_test

using conv2d_test::conv2d_algo;

TEST_CASE("conv2d cpu algorithms: which shapes each accepts, and what automatic picks") {
    namespace k = kiln::nn::kernels;
    const conv2d_params tutorial{1, 8, 224, 224, 1, 3, 3};
    conv2d_params s2{1, 64, 56, 56, 64, 3, 3};
    s2.pad_h = s2.pad_w = 1;
    conv2d_params s3{1, 512, 14, 14, 512, 3, 3};
    s3.pad_h = s3.pad_w = 1;
    const conv2d_params stem{.N = 1, .C = 3, .H = 224, .W = 224, .K = 64, .R = 7, .S = 7,
                             .stride_h = 2, .stride_w = 2, .pad_h = 3, .pad_w = 3};
    CHECK(k::conv2d_choose_algo(tutorial) == conv2d_algo::stream);
    CHECK(k::conv2d_choose_algo(s2) == conv2d_algo::winograd);
    CHECK(k::conv2d_choose_algo(s3) == conv2d_algo::winograd);
    CHECK(k::conv2d_choose_algo(stem) == conv2d_algo::direct);
    for (auto a : {conv2d_algo::automatic, conv2d_algo::reference, conv2d_algo::direct})
        CHECK(k::conv2d_algo_accepts(stem, a));
    CHECK_FALSE(k::conv2d_algo_accepts(stem, conv2d_algo::winograd));
    CHECK_FALSE(k::conv2d_algo_accepts(stem, conv2d_algo::stream));
    CHECK(k::conv2d_algo_accepts(tutorial, conv2d_algo::winograd));
    CHECK(k::conv2d_algo_accepts(tutorial, conv2d_algo::stream));
    CHECK_FALSE(k::conv2d_algo_accepts(s2, conv2d_algo::stream));  // padded
    auto grouped = s2;
    grouped.groups = 2;
    CHECK_FALSE(k::conv2d_algo_accepts(grouped, conv2d_algo::winograd));

    // forcing an algorithm that does not accept the shape throws before touching memory
    auto p = stem;
    p.algo = conv2d_algo::winograd;
    const float* none = nullptr;
    CHECK(kiln_test::error_text<kiln::shape_error>([&] {
              k::conv2d_forward_cpu(p, none, none, none, static_cast<float*>(nullptr));
          }) == "kiln: conv2d algorithm winograd does not accept this convolution (kernel 7x7, stride (2, 2), "
               "padding (3, 3), dilation (1, 1), groups 1)");
    p.algo = conv2d_algo::stream;
    CHECK_THROWS_AS(k::conv2d_forward_cpu(p, none, none, none, static_cast<float*>(nullptr)), kiln::shape_error);
    // every algorithm of an empty batch does nothing
    for (auto a : {conv2d_algo::direct, conv2d_algo::stream, conv2d_algo::winograd, conv2d_algo::reference}) {
        conv2d_params e{0, 3, 9, 9, 4, 3, 3};
        e.algo = a;
        CHECK_NOTHROW(k::conv2d_forward_cpu(e, none, none, none, static_cast<float*>(nullptr)));
    }
}

TEST_CASE_TEMPLATE("conv2d every cpu algorithm matches the reference on random configurations", T, float, double) {
    std::map<std::string, int> ran;
    conv2d_test::check_all_paths<T>(conv2d_test::checked_random_configs(250, std::is_same_v<T, float> ? 31u : 32u),
                                    std::is_same_v<T, float> ? 41u : 42u, ran);
    conv2d_test::check_all_paths<T>(conv2d_test::wide_configs(40, std::is_same_v<T, float> ? 51u : 52u),
                                    std::is_same_v<T, float> ? 61u : 62u, ran);
    // every path really ran, on many shapes, raw and prepared
    for (const auto& path : conv2d_test::cpu_paths()) {
        INFO(std::string(path.name));
        CHECK(ran[path.name] >= 100);
        CHECK(ran[std::string(path.name) + " (prepared)"] == ran[path.name]);
    }
}

TEST_CASE_TEMPLATE("conv2d winograd: the blocking variants (shared V, split output channels, U per block)", T,
                   float, double) {
    // few tiles and many output channels: the output channels are split over blocks and V is shared;
    // a U too large to precompute (36 * C * K values over 2 MB) is transformed per block.
    std::vector<conv2d_params> shapes;
    for (auto [N, C, H, W, K, pad] : std::vector<std::array<std::size_t, 6>>{
             {1, 16, 8, 8, 80, 1}, {2, 24, 7, 37, 40, 0}, {1, 136, 9, 10, 130, 1}, {1, 3, 40, 40, 20, 2}}) {
        conv2d_params p{N, C, H, W, K, 3, 3};
        p.pad_h = p.pad_w = pad;
        shapes.push_back(p);
    }
    std::mt19937 rng(77);
    for (const auto& p : shapes) {
        const auto pr = conv2d_test::make_problem<T>(p, true, rng);
        const auto e = conv2d_test::expect(pr);
        for (const auto& path : conv2d_test::cpu_paths()) {
            if (path.algo != conv2d_algo::winograd) continue;
            INFO(conv2d_test::describe(p), "; ", std::string(path.name));
            const auto got = conv2d_test::run_path(pr, path);
            CHECK(conv2d_test::scaled_error(e, got) <= conv2d_test::winograd_tolerance<T>);
            // prepared U (global or per block, with partial channel chunks and output-channel blocks
            // on (1, 136, 9x10) -> 130): the same bits
            CHECK(conv2d_test::same_bits(conv2d_test::run_prepared(pr, path), got));
        }
    }
}

TEST_CASE("conv2d cpu results do not depend on the number of threads") {
    // shapes with many parallel blocks in every algorithm; 1, 2 and 3 threads give the same bits
    conv2d_params wide{2, 24, 30, 61, 20, 3, 3};
    wide.pad_h = wide.pad_w = 1;
    conv2d_params strided{1, 5, 41, 47, 13, 5, 4};
    strided.stride_h = 2, strided.stride_w = 3, strided.pad_h = 2, strided.pad_w = 1, strided.dil_h = 2;
    conv2d_params few_k{2, 6, 40, 50, 2, 3, 3};
    conv2d_params deep{1, 40, 9, 9, 72, 3, 3};
    deep.pad_h = deep.pad_w = 1;
    std::mt19937 rng(5);
    for (const auto& p : {wide, strided, few_k, deep}) {
        const auto pf = conv2d_test::make_problem<float>(p, true, rng);
        const auto pd = conv2d_test::make_problem<double>(p, false, rng);
        for (const auto& path : conv2d_test::cpu_paths()) {
            if (!kiln::nn::kernels::conv2d_algo_accepts(p, path.algo)) continue;
            INFO(conv2d_test::describe(p), "; ", std::string(path.name));
            kiln::set_num_threads(1);
            const auto f1 = conv2d_test::run_path(pf, path);
            const auto d1 = conv2d_test::run_path(pd, path);
            for (std::size_t t : {2, 3}) {
                kiln::set_num_threads(t);
                const auto ft = conv2d_test::run_path(pf, path);
                const auto dt = conv2d_test::run_path(pd, path);
                CHECK(std::memcmp(f1.data(), ft.data(), f1.size() * sizeof(float)) == 0);
                CHECK(std::memcmp(d1.data(), dt.data(), d1.size() * sizeof(double)) == 0);
                CHECK(conv2d_test::same_bits(conv2d_test::run_prepared(pf, path), f1));
            }
        }
    }
    kiln::set_num_threads(0);
}

TEST_CASE("conv2d every cpu algorithm works on unaligned pointers") {
    conv2d_params padded{2, 20, 13, 37, 18, 3, 3};
    padded.pad_h = padded.pad_w = 1;
    std::mt19937 rng(12);
    for (const auto& q : {padded, conv2d_test::stream_variant(padded)}) {
        const auto pr = conv2d_test::make_problem<float>(q, true, rng);
        const auto e = conv2d_test::expect(pr);
        std::vector<float> x(pr.x.size() + 1), w(pr.w.size() + 3);
        std::copy(pr.x.begin(), pr.x.end(), x.begin() + 1);
        std::copy(pr.w.begin(), pr.w.end(), w.begin() + 3);
        for (const auto& path : conv2d_test::cpu_paths()) {
            if (!kiln::nn::kernels::conv2d_algo_accepts(q, path.algo)) continue;
            INFO(conv2d_test::describe(q), "; ", std::string(path.name));
            const auto got = conv2d_test::run_path(pr, path, x.data() + 1, w.data() + 3, 1);
            double err = 0;
            CHECK(conv2d_test::path_ok(pr, e, path, got, err));
        }
    }
}

TEST_CASE("conv2d prepared weights: a snapshot, usable for any batch, image size and padding") {
    namespace k = kiln::nn::kernels;
    // S3's channel and output-channel counts on a small image: U (36 x 512 x 512 floats) is blocked
    conv2d_params p{1, 512, 6, 5, 512, 3, 3};
    p.pad_h = p.pad_w = 1;
    std::mt19937 rng(21);
    auto pr = conv2d_test::make_problem<float>(p, true, rng);
    const conv2d_test::cpu_path automatic{conv2d_algo::automatic, conv2d_test::cd::wino_layout::automatic, "automatic"};
    const auto want = conv2d_test::run_path(pr, automatic);

    const auto pw = k::conv2d_prepare(kiln::cpu{}, p, pr.w.data());
    CHECK(pw.transformed());
    CHECK(pw.weight_shape() == std::array<std::size_t, 4>{512, 512, 3, 3});
    CHECK(pw.groups() == 1);
    CHECK(pw.bytes() >= 5 * p.w_size() * sizeof(float));  // the copy and a 36/9 times larger transform
    // later changes to the source weights do not reach it
    const auto original_w = pr.w;
    for (auto& v : pr.w) v = -v;
    std::vector<float> y(p.y_size(), std::numeric_limits<float>::quiet_NaN());
    k::conv2d_forward(kiln::cpu{}, p, pr.x.data(), pw, pr.b.data(), y.data());
    CHECK(conv2d_test::same_bits(y, want));

    // another batch, image size and padding with the same weights: what the raw weights give
    pr.w = original_w;
    conv2d_params q = p;
    q.N = 2, q.H = 9, q.W = 4, q.pad_h = 0, q.pad_w = 2;
    const auto pq = conv2d_test::make_problem<float>(q, false, rng);
    std::vector<float> x2 = pq.x, raw(q.y_size()), got(q.y_size());
    k::conv2d_forward_cpu(q, x2.data(), pr.w.data(), static_cast<const float*>(nullptr), raw.data());
    k::conv2d_forward_cpu(q, x2.data(), pw, static_cast<const float*>(nullptr), got.data());
    CHECK(conv2d_test::same_bits(got, raw));
    // another algorithm on the same prepared weights reads their copy
    q.algo = conv2d_algo::direct;
    k::conv2d_forward_cpu(q, x2.data(), pr.w.data(), static_cast<const float*>(nullptr), raw.data());
    k::conv2d_forward_cpu(q, x2.data(), pw, static_cast<const float*>(nullptr), got.data());
    CHECK(conv2d_test::same_bits(got, raw));
}

TEST_CASE("conv2d prepared weights: what is transformed, and shapes that do not match") {
    namespace k = kiln::nn::kernels;
    const conv2d_params stem{.N = 1, .C = 3, .H = 20, .W = 20, .K = 8, .R = 7, .S = 7,
                             .stride_h = 2, .stride_w = 2, .pad_h = 3, .pad_w = 3};
    std::vector<double> w(stem.w_size(), 0.5);
    const auto direct = k::conv2d_prepare_cpu(stem, w.data());  // direct reads the weights in place
    CHECK_FALSE(direct.transformed());
    CHECK(direct.transform() == nullptr);
    CHECK(direct.bytes() == w.size() * sizeof(double));

    // Winograd forced on weights prepared for the direct algorithm: transformed per call, same bits
    conv2d_params p{1, 16, 7, 9, 20, 3, 3};
    std::mt19937 rng(3);
    const auto pr = conv2d_test::make_problem<double>(p, true, rng);
    conv2d_params pd = p;
    pd.algo = conv2d_algo::direct;
    const auto for_direct = k::conv2d_prepare_cpu(pd, pr.w.data());
    CHECK_FALSE(for_direct.transformed());
    p.algo = conv2d_algo::winograd;
    std::vector<double> raw(p.y_size()), got(p.y_size());
    k::conv2d_forward_cpu(p, pr.x.data(), pr.w.data(), pr.b.data(), raw.data());
    k::conv2d_forward_cpu(p, pr.x.data(), for_direct, pr.b.data(), got.data());
    CHECK(conv2d_test::same_bits(got, raw));

    // a convolution whose weight shape differs: shape_error naming both, and y is left alone
    conv2d_params other = p;
    other.K = 21;
    std::vector<double> y(other.y_size(), 7.0);
    CHECK(kiln_test::error_text<kiln::shape_error>([&] {
              k::conv2d_forward_cpu(other, pr.x.data(), for_direct, static_cast<const double*>(nullptr), y.data());
          }) == "kiln: conv2d: the prepared weights are (20, 16, 3, 3) with 1 group(s), but this convolution "
               "needs weights (K, C/groups, R, S) = (21, 16, 3, 3) with 1 group(s)");
    CHECK(std::all_of(y.begin(), y.end(), [](double v) { return v == 7.0; }));
    other = p;
    other.C = 32, other.groups = 2;  // the same C/groups, but two groups
    other.algo = conv2d_algo::direct;
    CHECK(kiln_test::error_text<kiln::shape_error>([&] {
              k::conv2d_forward_cpu(other, pr.x.data(), for_direct, static_cast<const double*>(nullptr), y.data());
          }) == "kiln: conv2d: the prepared weights are (20, 16, 3, 3) with 1 group(s), but this convolution "
               "needs weights (K, C/groups, R, S) = (20, 16, 3, 3) with 2 group(s)");
    // invalid parameters are reported as conv2d_forward_cpu reports them, before the shape check
    conv2d_params bad = p;
    bad.groups = 3;
    CHECK_THROWS_WITH_AS(k::conv2d_prepare_cpu(bad, pr.w.data()),
                         "kiln: input num_filter must divide group size: 16 input channels cannot be split into 3 "
                         "groups",
                         kiln::shape_error);
}
