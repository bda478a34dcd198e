// W3, kiln: expression assignment into a preallocated tensor (one fused pass, kiln's thread pool).
//   W3/relu/kiln    y = relu(a * x + b)
//   W3/fma4/kiln    y = x0 * x1 + x2 * x3
//   W3/<e>/naive    the same as a plain loop over raw pointers, -O3 -march=native, one thread
#include <kiln/kiln.hpp>

#include "expr_common.hpp"

namespace {

using namespace bench::expr;
using vec_t = kiln::Tensor<float, kiln::Shape<kiln::dyn>>;

struct inputs {
    vec_t x0{kiln::shape(n)}, x1{kiln::shape(n)}, x2{kiln::shape(n)}, x3{kiln::shape(n)}, y{kiln::shape(n)};
    inputs() { fill_inputs(x0.data(), x1.data(), x2.data(), x3.data()); }
};
inputs& in() {
    static inputs i;
    return i;
}

void bm_relu(benchmark::State& state) {
    auto& d = in();
    d.y = kiln::relu(a * d.x0 + b);
    if (auto e = check_relu(d.x0.data(), d.y.data()); !e.empty()) return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        d.y = kiln::relu(a * d.x0 + b);
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, relu_bytes);
}

void bm_fma4(benchmark::State& state) {
    auto& d = in();
    d.y = d.x0 * d.x1 + d.x2 * d.x3;
    if (auto e = check_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data()); !e.empty())
        return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        d.y = d.x0 * d.x1 + d.x2 * d.x3;
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, fma4_bytes);
}

__attribute__((noinline)) void naive_relu(const float* __restrict x, float* __restrict y, std::size_t m) {
    for (std::size_t i = 0; i < m; ++i) y[i] = std::max(a * x[i] + b, 0.0f);
}
__attribute__((noinline)) void naive_fma4(const float* __restrict x0, const float* __restrict x1,
                                          const float* __restrict x2, const float* __restrict x3,
                                          float* __restrict y, std::size_t m) {
    for (std::size_t i = 0; i < m; ++i) y[i] = x0[i] * x1[i] + x2[i] * x3[i];
}

void bm_naive_relu(benchmark::State& state) {
    auto& d = in();
    naive_relu(d.x0.data(), d.y.data(), n);
    if (auto e = check_relu(d.x0.data(), d.y.data()); !e.empty()) return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        naive_relu(d.x0.data(), d.y.data(), n);
        benchmark::ClobberMemory();
    }
    set_counters(state, relu_bytes);
}

void bm_naive_fma4(benchmark::State& state) {
    auto& d = in();
    naive_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data(), n);
    if (auto e = check_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data()); !e.empty())
        return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        naive_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data(), n);
        benchmark::ClobberMemory();
    }
    set_counters(state, fma4_bytes);
}

void register_all(int threads) {
    kiln::set_num_threads(static_cast<std::size_t>(threads));
    benchmark::AddCustomContext("kiln_simd", kiln::simd::arch_name());
    bench::configure(benchmark::RegisterBenchmark("W3/relu/kiln", bm_relu));
    bench::configure(benchmark::RegisterBenchmark("W3/fma4/kiln", bm_fma4));
    if (threads == 1) {
        bench::configure(benchmark::RegisterBenchmark("W3/relu/naive", bm_naive_relu));
        bench::configure(benchmark::RegisterBenchmark("W3/fma4/naive", bm_naive_fma4));
    }
}

}  // namespace

KILN_BENCH_MAIN("kiln", register_all)
