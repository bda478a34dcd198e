// Conv2D's compile-time knowledge (kernels::conv2d_static): which algorithms and micro-kernel tiles a
// layer's settings allow, and that the layer, which compiles only those, computes bit for bit what
// the generic cpu kernel (everything compiled, chosen at run time) computes.
#include "kiln_test.hpp"

#include <kiln/nn/conv2d.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <vector>

using namespace kiln;
namespace kk = kiln::nn::kernels;
namespace cd = kiln::nn::kernels::conv_detail;

namespace conv2d_static_test {

// The tiles ma x 1 .. ma x nb_max for each ma in mas.
constexpr cd::tile_mask rows_of(std::initializer_list<std::size_t> mas, std::size_t nb_max) {
    cd::tile_mask m = 0;
    for (std::size_t ma : mas)
        for (std::size_t nb = 1; nb <= nb_max; ++nb) m |= cd::tile_bit(ma, nb);
    return m;
}

template <class T>
std::vector<T> wave(std::size_t n, double phase) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(std::sin(0.37 * double(i) + phase));
    return v;
}

// For each input (N, C, H, W): a fresh layer, initialized, run on a deterministic input; its output
// must equal, byte for byte, conv2d_forward_cpu's (the generic entry point) with the same weights.
template <nn::conv2d Opt, class T = float>
void check_matches_generic(std::initializer_list<std::array<std::size_t, 4>> inputs) {
    for (const auto& in : inputs) {
        // plain variables: clang 14 cannot capture a structured binding in CAPTURE's lambda
        const std::size_t N = in[0], C = in[1], H = in[2], W = in[3];
        CAPTURE(N);
        CAPTURE(C);
        CAPTURE(H);
        CAPTURE(W);
        nn::Conv2D<Opt, T> l(init::none, init::Normal{0.5});
        l.initialize(init::Xavier{});
        const auto xv = wave<T>(N * C * H * W, double(C));
        const auto x = from_values<T>(shape(N, C, H, W), xv);
        const auto y = l(x);

        kk::conv2d_params p{};
        p.N = N, p.C = C, p.H = H, p.W = W, p.K = Opt.channels, p.R = Opt.kernel_size.h, p.S = Opt.kernel_size.w;
        p.stride_h = Opt.strides.h, p.stride_w = Opt.strides.w, p.pad_h = Opt.padding.h, p.pad_w = Opt.padding.w;
        p.dil_h = Opt.dilation.h, p.dil_w = Opt.dilation.w, p.groups = Opt.groups;
        const auto wv = l.weight.data().to_vector();
        const auto bv = l.bias.data().to_vector();
        std::vector<T> ref(p.y_size());
        kk::conv2d_forward_cpu(p, xv.data(), wv.data(), bv.data(), ref.data());
        const auto got = y.to_vector();
        REQUIRE(got.size() == ref.size());
        CHECK(std::memcmp(got.data(), ref.data(), ref.size() * sizeof(T)) == 0);
        // and both are the convolution (the generic path is tested against the reference elsewhere;
        // this guards against both being wrong the same way)
        std::vector<T> naive(p.y_size());
        kk::conv2d_reference(p, xv.data(), wv.data(), bv.data(), naive.data());
        double worst = 0;
        for (std::size_t i = 0; i < naive.size(); ++i)
            worst = std::max(worst, std::abs(double(got[i]) - double(naive[i])) / std::max(1.0, std::abs(double(naive[i]))));
        CHECK(worst < (sizeof(T) == 4 ? 5e-5 : 1e-12));
    }
}

}  // namespace conv2d_static_test
using namespace conv2d_static_test;

TEST_CASE("conv2d_static: what a Conv2D's settings leave for the automatic choice") {
    using tut = nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}>;  // the tutorial's layer
    static_assert(!tut::conv_static.may_winograd() && tut::conv_static.surely_stream() && !tut::conv_static.may_direct());
    static_assert(!tut::conv_static.may_stage());
    CHECK(cd::direct_tile_mask<tut::conv_static>() == rows_of({1}, 8));

    // (a tile row is at most max_acc / rows vectors: 24 accumulators with 32 vector registers, 12 with 16)
    using wide = nn::Conv2D<nn::conv2d{.channels = 64, .kernel_size = {3, 3}, .padding = 1}>;  // C deferred
    static_assert(wide::conv_static.may_winograd() && !wide::conv_static.surely_winograd());
    static_assert(!wide::conv_static.may_stream() && wide::conv_static.may_direct() && wide::conv_static.may_stage());
    CHECK(cd::direct_tile_mask<wide::conv_static>() == rows_of({5, 6}, cd::max_acc / 6));  // 64 = 11 near-equal groups of 5 or 6

    using few_in = nn::Conv2D<nn::conv2d{.channels = 64, .kernel_size = {3, 3}, .padding = 1, .in_channels = 8}>;
    static_assert(!few_in::conv_static.may_winograd() && few_in::conv_static.may_direct());

    using all_known = nn::Conv2D<nn::conv2d{.channels = 32, .kernel_size = {3, 3}, .in_channels = 32}>;
    static_assert(all_known::conv_static.surely_winograd() && !all_known::conv_static.may_direct() &&
                  !all_known::conv_static.may_stream());
    CHECK(cd::direct_tile_mask<all_known::conv_static>() == 0);

    // 100 channels: blocks of 48, 48 and 4 output channels: tiles of 6 and of 4 rows
    using blocks = nn::Conv2D<nn::conv2d{.channels = 100, .kernel_size = {1, 1}, .strides = 2}>;
    static_assert(!blocks::conv_static.may_winograd() && blocks::conv_static.may_direct() && blocks::conv_static.may_stage());
    CHECK(cd::direct_tile_mask<blocks::conv_static>() == rows_of({4, 6}, cd::max_acc / 6));

    // 8 channels in 2 groups: 4 per group, unpadded, so stream; 5 per group would be direct
    using grouped = nn::Conv2D<nn::conv2d{.channels = 8, .kernel_size = {5, 3}, .dilation = {2, 1}, .groups = 2}>;
    static_assert(grouped::conv_static.surely_stream());
    CHECK(cd::direct_tile_mask<grouped::conv_static>() == rows_of({4}, cd::max_acc / 4));

    // nothing known: everything compiled
    static_assert(kk::conv2d_static{}.nothing_known() && kk::conv2d_static{}.may_winograd() &&
                  kk::conv2d_static{}.may_stream() && kk::conv2d_static{}.may_direct());
    CHECK(cd::direct_tile_mask<kk::conv2d_static{}>() == cd::all_tiles);
}

TEST_CASE("Conv2D with compile-time settings equals the generic kernel bit for bit: stream") {
    // the tutorial's layer, widths giving every row-tile width (1..8 vectors) at 4 and 16 lanes
    check_matches_generic<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}>(
        {{1, 8, 12, 5}, {1, 3, 9, 9}, {2, 2, 7, 21}, {1, 1, 5, 37}, {1, 2, 6, 70}, {1, 1, 4, 131}, {1, 8, 20, 224}});
    check_matches_generic<nn::conv2d{.channels = 3, .kernel_size = {2, 4}, .strides = {2, 1}}>(
        {{1, 5, 9, 17}, {2, 4, 13, 50}});
    check_matches_generic<nn::conv2d{.channels = 8, .kernel_size = {5, 3}, .dilation = {2, 1}, .groups = 2}>(
        {{1, 6, 14, 19}, {1, 2, 11, 66}});
}

TEST_CASE("Conv2D with compile-time settings equals the generic kernel bit for bit: direct") {
    check_matches_generic<nn::conv2d{.channels = 5, .kernel_size = {3, 3}}>({{1, 4, 10, 10}, {2, 3, 8, 40}});
    check_matches_generic<nn::conv2d{.channels = 64, .kernel_size = {3, 3}, .padding = 1, .in_channels = 8}>(
        {{1, 8, 7, 7}, {1, 8, 12, 33}});
    check_matches_generic<nn::conv2d{.channels = 100, .kernel_size = {1, 1}, .strides = 2}>({{1, 7, 9, 23}});
    check_matches_generic<nn::conv2d{.channels = 13, .kernel_size = {7, 7}, .strides = 2, .padding = 3}>(
        {{1, 3, 20, 31}});
    check_matches_generic<nn::conv2d{.channels = 6, .kernel_size = {3, 3}, .padding = {0, 2}, .groups = 3}, double>(
        {{1, 6, 8, 11}});
}

TEST_CASE("Conv2D with compile-time settings equals the generic kernel bit for bit: winograd or direct at run time") {
    // C deferred: 16 or more input channels choose winograd, fewer direct
    check_matches_generic<nn::conv2d{.channels = 20, .kernel_size = {3, 3}, .padding = 1}>(
        {{1, 16, 9, 13}, {1, 3, 9, 13}, {2, 24, 6, 30}});
    check_matches_generic<nn::conv2d{.channels = 32, .kernel_size = {3, 3}, .in_channels = 32}>({{1, 32, 10, 10}});
}

TEST_CASE("conv2d_forward<F>: a call that contradicts F, or forces an algorithm, is a shape_error") {
    constexpr kk::conv2d_static F{.K = 2, .R = 3, .S = 3};
    kk::conv2d_params p{};
    p.N = 1, p.C = 1, p.H = 4, p.W = 4, p.K = 3, p.R = 3, p.S = 3;
    std::vector<float> x(16, 1.0f), w(27, 1.0f), y(12, -1.0f);
    CHECK(kiln_test::error_text<shape_error>([&] {
              kk::conv2d_forward<F>(cpu(0), p, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
          }) == "kiln: conv2d: the compile-time conv2d_static says K = 2 but the call has K = 3");
    CHECK(y == std::vector<float>(12, -1.0f));
    p.K = 2;
    p.algo = kk::conv2d_algo::direct;
    CHECK(kiln_test::error_text<shape_error>([&] {
              kk::conv2d_forward<F>(cpu(0), p, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
          }) == "kiln: conv2d: a call with a compile-time conv2d_static runs the automatic choice; it cannot force "
                "algorithm direct (use conv2d_forward_cpu)");
    CHECK(y == std::vector<float>(12, -1.0f));
    p.algo = kk::conv2d_algo::automatic;
    kk::conv2d_forward<F>(cpu(0), p, x.data(), w.data(), static_cast<const float*>(nullptr), y.data());
    CHECK(std::vector<float>(y.begin(), y.begin() + 8) == std::vector<float>(8, 9.0f));
}
