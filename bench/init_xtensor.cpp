// W1, xtensor: random fills into a preallocated xt::xtensor<float, 4> of shape (512, 512, 3, 3).
//   W1/uniform/xtensor   xt::noalias(t) = xt::random::rand<float>(shape, -s, s)
//   W1/normal/xtensor    xt::noalias(t) = xt::random::randn<float>(shape, 0, 0.01)
// xtensor's generators draw from one std::mt19937 engine with <random>'s distributions: serial at any
// thread count (this build has no XTENSOR_USE_TBB/OPENMP).
#include <xtensor/xnoalias.hpp>
#include <xtensor/xrandom.hpp>
#include <xtensor/xtensor.hpp>

#include <cmath>

#include "init_common.hpp"

namespace {

using namespace bench::init;

template <bool Normal>
void bm(benchmark::State& state) {
    xt::xtensor<float, 4> t = xt::zeros<float>({K, C, R, S});
    const std::array<std::size_t, 4> shape{K, C, R, S};
    const float s = std::sqrt(3.0f / float((C * R * S + K * R * S) / 2));
    xt::random::seed(0);
    for (auto _ : state) {
        if constexpr (Normal)
            xt::noalias(t) = xt::random::randn<float>(shape, 0.0f, 0.01f);
        else
            xt::noalias(t) = xt::random::rand<float>(shape, -s, s);
        benchmark::DoNotOptimize(t.data());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}

void register_all(int) {
    bench::configure(benchmark::RegisterBenchmark("W1/xavier_uniform/xtensor", bm<false>), benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/normal/xtensor", bm<true>), benchmark::kMicrosecond);
}

}  // namespace

KILN_BENCH_MAIN("xtensor", register_all)
