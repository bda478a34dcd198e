// W3, Eigen (unsupported Tensor module): tensor expressions evaluated on a device.
//   W3/relu/eigen   y.device(d) = (x * a + b).cwiseMax(0.f)
//   W3/fma4/eigen   y.device(d) = x0 * x1 + x2 * x3
// d is Eigen::DefaultDevice at 1 thread and an Eigen::ThreadPoolDevice with n threads otherwise.
#define EIGEN_USE_THREADS
#include <unsupported/Eigen/CXX11/Tensor>

#include <memory>

#include "expr_common.hpp"

namespace {

using namespace bench::expr;
using vec_t = Eigen::Tensor<float, 1, Eigen::RowMajor>;

int g_threads = 1;

struct inputs {
    vec_t x0{static_cast<long>(n)}, x1{static_cast<long>(n)}, x2{static_cast<long>(n)}, x3{static_cast<long>(n)}, y{static_cast<long>(n)};
    std::unique_ptr<Eigen::ThreadPool> pool;
    std::unique_ptr<Eigen::ThreadPoolDevice> dev;
    inputs() {
        fill_inputs(x0.data(), x1.data(), x2.data(), x3.data());
        y.setZero();
        if (g_threads > 1) {
            pool = std::make_unique<Eigen::ThreadPool>(g_threads);
            dev = std::make_unique<Eigen::ThreadPoolDevice>(pool.get(), g_threads);
        }
    }
};
inputs& in() {
    static inputs i;
    return i;
}

void relu(inputs& d) {
    if (d.dev)
        d.y.device(*d.dev) = (d.x0 * a + b).cwiseMax(0.f);
    else
        d.y = (d.x0 * a + b).cwiseMax(0.f);
}
void fma4(inputs& d) {
    if (d.dev)
        d.y.device(*d.dev) = d.x0 * d.x1 + d.x2 * d.x3;
    else
        d.y = d.x0 * d.x1 + d.x2 * d.x3;
}

void bm_relu(benchmark::State& state) {
    auto& d = in();
    relu(d);
    if (auto e = check_relu(d.x0.data(), d.y.data()); !e.empty()) return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        relu(d);
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, relu_bytes);
}

void bm_fma4(benchmark::State& state) {
    auto& d = in();
    fma4(d);
    if (auto e = check_fma4(d.x0.data(), d.x1.data(), d.x2.data(), d.x3.data(), d.y.data()); !e.empty())
        return state.SkipWithError(e.c_str());
    for (auto _ : state) {
        fma4(d);
        benchmark::DoNotOptimize(d.y.data());
        benchmark::ClobberMemory();
    }
    set_counters(state, fma4_bytes);
}

void register_all(int threads) {
    g_threads = threads;
    bench::configure(benchmark::RegisterBenchmark("W3/relu/eigen", bm_relu));
    bench::configure(benchmark::RegisterBenchmark("W3/fma4/eigen", bm_fma4));
}

}  // namespace

KILN_BENCH_MAIN("eigen", register_all)
