// W2, kiln: Conv2D forward, float32 NCHW, bias, on the five shapes of conv_common.hpp.
//   W2/<S>/kiln         kiln::nn::kernels::conv2d_forward(kiln::cpu{}, params, x, w, b, y)
//   W2/<S>/kiln_prepared   the same on weights prepared once, outside the timed loop (conv2d_prepare:
//                       the Winograd weight transform done ahead, as oneDNN's weight reorder is)
//   W2/<S>/kiln_prepare    conv2d_prepare itself (the cost the line above leaves out)
//   W2/S1/kiln_layer    the same convolution through the layer: nn::Conv2D<...>(x), output allocated per call
//   W2/<S>/naive        kiln::nn::kernels::conv2d_reference (plain loops, double accumulation; one thread)
// Every result is compared with the reference before timing (SkipWithError on mismatch).
#include <kiln/kiln.hpp>

#include "conv_common.hpp"

namespace {

using namespace bench::conv;

void bm_kiln(benchmark::State& state, const conv_case* c) {
    const auto& d = data(*c);
    std::vector<float> y(c->p.y_size(), -7.f);
    kiln::nn::kernels::conv2d_forward(kiln::cpu{}, c->p, d.x.data(), d.w.data(), d.b.data(), y.data());
    if (auto err = check(*c, y.data()); !err.empty()) return state.SkipWithError(err.c_str());
    for (auto _ : state) {
        kiln::nn::kernels::conv2d_forward(kiln::cpu{}, c->p, d.x.data(), d.w.data(), d.b.data(), y.data());
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, *c);
}

void bm_kiln_prepared(benchmark::State& state, const conv_case* c) {
    const auto& d = data(*c);
    std::vector<float> y(c->p.y_size(), -7.f);
    const auto pw = kiln::nn::kernels::conv2d_prepare(kiln::cpu{}, c->p, d.w.data());
    kiln::nn::kernels::conv2d_forward(kiln::cpu{}, c->p, d.x.data(), pw, d.b.data(), y.data());
    if (auto err = check(*c, y.data()); !err.empty()) return state.SkipWithError(err.c_str());
    for (auto _ : state) {
        kiln::nn::kernels::conv2d_forward(kiln::cpu{}, c->p, d.x.data(), pw, d.b.data(), y.data());
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, *c);
}

void bm_kiln_prepare(benchmark::State& state, const conv_case* c) {
    const auto& d = data(*c);
    for (auto _ : state) {
        auto pw = kiln::nn::kernels::conv2d_prepare(kiln::cpu{}, c->p, d.w.data());
        benchmark::DoNotOptimize(pw.weights());
        benchmark::ClobberMemory();
    }
}

void bm_naive(benchmark::State& state, const conv_case* c) {
    const auto& d = data(*c);
    std::vector<float> y(c->p.y_size(), -7.f);
    kiln::nn::kernels::conv2d_reference(c->p, d.x.data(), d.w.data(), d.b.data(), y.data());
    if (auto err = check(*c, y.data()); !err.empty()) return state.SkipWithError(err.c_str());
    for (auto _ : state) {
        kiln::nn::kernels::conv2d_reference(c->p, d.x.data(), d.w.data(), d.b.data(), y.data());
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, *c);
}

// S1 through the layer, as the tutorial runs it: nn.Conv2D(channels=1, kernel_size=(3,3)) on (1,8,224,224).
void bm_layer_s1(benchmark::State& state, const conv_case* cs) {
    using namespace kiln;
    const auto& d = data(*cs);
    nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 8}> layer;
    layer.initialize(init::Xavier{});
    layer.weight.set_data(from_values<float>(shape(c<1>, c<8>, c<3>, c<3>), d.w));
    layer.bias.set_data(from_values<float>(shape(c<1>), d.b));
    const auto x = from_values<float>(shape(c<1>, c<8>, c<224>, c<224>), d.x);
    {
        auto y = layer(x);
        if (auto err = check(*cs, y.data()); !err.empty()) return state.SkipWithError(err.c_str());
    }
    for (auto _ : state) {
        auto y = layer(x);
        benchmark::DoNotOptimize(y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, *cs);
}

void register_all(int threads) {
    kiln::set_num_threads(static_cast<std::size_t>(threads));
    benchmark::AddCustomContext("kiln_simd", kiln::simd::arch_name());
    for (const auto& c : cases()) {
        const std::string base = std::string("W2/") + c.name + "/";
        bench::configure(benchmark::RegisterBenchmark((base + "kiln").c_str(), bm_kiln, &c));
        bench::configure(benchmark::RegisterBenchmark((base + "kiln_prepared").c_str(), bm_kiln_prepared, &c));
        bench::configure(benchmark::RegisterBenchmark((base + "kiln_prepare").c_str(), bm_kiln_prepare, &c));
        if (std::string(c.name) == "S1")
            bench::configure(benchmark::RegisterBenchmark((base + "kiln_layer").c_str(), bm_layer_s1, &c));
        if (threads == 1)  // the naive loop has no threads
            bench::configure(benchmark::RegisterBenchmark((base + "naive").c_str(), bm_naive, &c));
    }
}

}  // namespace

KILN_BENCH_MAIN("kiln", register_all)
