// W3, xtensor (with XTENSOR_USE_XSIMD, as kiln builds it): expression assignment without temporaries.
//   W3/relu/xtensor   xt::noalias(y) = xt::maximum(a * x + b, 0.f)
//   W3/fma4/xtensor   xt::noalias(y) = x0 * x1 + x2 * x3
// xtensor is serial in this build (no XTENSOR_USE_TBB/OPENMP): the 2-thread run measures one thread.
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "expr_common.hpp"

namespace {

using namespace bench::expr;
using vec_t = xt::xtensor<float, 1>;

struct inputs {
    vec_t x0 = vec_t::from_shape({n}), x1 = vec_t::from_shape({n}), x2 = vec_t::from_shape({n}),
          x3 = vec_t::from_shape({n}), y = vec_t::from_shape({n});
    inputs() {
        fill_inputs(x0.data(), x1.data(), x2.data(), x3.data());
        std::fill(y.begin(), y.end(), 0.f);
    }
};
inputs& in() {
    static inputs i;
    return i;
}

void bm_relu(benchmark::State& state) {
    auto& d = in();
    xt::noalias(d.y) = xt::maximum(a * d.x0 + b, 0.f);
    if (auto e = check_relu(d.x0.data(), d.y.data()); !e.empty()) return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        xt::noalias(d.y) = xt::maximum(a * d.x0 + b, 0.f);
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, relu_bytes);
}

void bm_fma4(benchmark::State& state) {
    auto& d = in();
    xt::noalias(d.y) = d.x0 * d.x1 + d.x2 * d.x3;
    if (auto e = check_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data()); !e.empty())
        return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        xt::noalias(d.y) = d.x0 * d.x1 + d.x2 * d.x3;
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, fma4_bytes);
}

void register_all(int) {
    bench::configure(benchmark::RegisterBenchmark("W3/relu/xtensor", bm_relu));
    bench::configure(benchmark::RegisterBenchmark("W3/fma4/xtensor", bm_fma4));
}

}  // namespace

KILN_BENCH_MAIN("xtensor", register_all)
