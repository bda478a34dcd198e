// W1, kiln: initializers applied to a preallocated (512, 512, 3, 3) float tensor through a view, as a
// layer's initialize() does: init(init::make_desc("conv0_weight"), t.view()).
//   W1/xavier_uniform/kiln   init::Xavier{}            U(-s, s), s = sqrt(3 / ((fan_in + fan_out) / 2))
//   W1/normal/kiln           init::Normal{0.01}        N(0, 0.01)
//   W1/msra_normal/kiln      init::MSRAPrelu{}         N(0, s), s = sqrt(2 / (1 + 0.25^2) / ((fan_in + fan_out) / 2))
#include <kiln/kiln.hpp>

#include <cmath>

#include "init_common.hpp"

namespace {

using namespace bench::init;
using weight_t = kiln::Tensor<float, kiln::Shape<K, C, R, S>>;

template <class I>
void bm(benchmark::State& state, I initializer) {
    weight_t t;
    const auto d = kiln::init::make_desc("conv0_weight");
    initializer(d, t.view());
    // Sanity: finite, not all equal.
    const float lo = kiln::min(t), hi = kiln::max(t);
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi)) return state.SkipWithError("kiln: bad initializer output");
    for (auto _ : state) {
        initializer(d, t.view());
        benchmark::DoNotOptimize(t.data());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}

void register_all(int threads) {
    kiln::set_num_threads(static_cast<std::size_t>(threads));
    benchmark::AddCustomContext("kiln_simd", kiln::simd::arch_name());
    bench::configure(benchmark::RegisterBenchmark("W1/xavier_uniform/kiln", bm<kiln::init::Xavier>, kiln::init::Xavier{}),
                     benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/normal/kiln", bm<kiln::init::Normal>, kiln::init::Normal{0.01}),
                     benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/msra_normal/kiln", bm<kiln::init::MSRAPrelu>, kiln::init::MSRAPrelu{}),
                     benchmark::kMicrosecond);
}

}  // namespace

KILN_BENCH_MAIN("kiln", register_all)
