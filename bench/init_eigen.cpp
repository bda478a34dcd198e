// W1, Eigen (unsupported Tensor module): random fills into a preallocated row-major
// Eigen::Tensor<float, 4> of shape (512, 512, 3, 3).
//   W1/xavier_uniform/eigen   t.device(d) = t.random() * 2s - s          (UniformRandomGenerator, [0,1) scaled)
//   W1/normal/eigen           t.device(d) = t.random<NormalRandomGenerator>() * 0.01
//   W1/setRandom/eigen        t.setRandom()                              (U[0,1); always one thread)
// d is Eigen::DefaultDevice at 1 thread and an Eigen::ThreadPoolDevice with n threads otherwise.
#define EIGEN_USE_THREADS
#include <unsupported/Eigen/CXX11/Tensor>

#include <cmath>
#include <memory>

#include "init_common.hpp"

namespace {

using namespace bench::init;
using tensor_t = Eigen::Tensor<float, 4, Eigen::RowMajor>;

int g_threads = 1;

template <class F>
void bm(benchmark::State& state, F fill) {
    tensor_t t(static_cast<long>(K), static_cast<long>(C), static_cast<long>(R), static_cast<long>(S));
    std::unique_ptr<Eigen::ThreadPool> pool;
    std::unique_ptr<Eigen::ThreadPoolDevice> dev;
    if (g_threads > 1) {
        pool = std::make_unique<Eigen::ThreadPool>(g_threads);
        dev = std::make_unique<Eigen::ThreadPoolDevice>(pool.get(), g_threads);
    }
    fill(t, dev.get());
    Eigen::Tensor<float, 0, Eigen::RowMajor> lo = t.minimum(), hi = t.maximum();
    if (!std::isfinite(lo()) || !std::isfinite(hi()) || !(lo() < hi())) return state.SkipWithError("eigen: bad output");
    for (auto _ : state) {
        fill(t, dev.get());
        benchmark::DoNotOptimize(t.data());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}

using fill_fn = void (*)(tensor_t&, Eigen::ThreadPoolDevice*);

void xavier(tensor_t& t, Eigen::ThreadPoolDevice* d) {
    const float s = std::sqrt(3.0f / float((C * R * S + K * R * S) / 2));
    if (d)
        t.device(*d) = t.random() * (2 * s) - s;
    else
        t = t.random() * (2 * s) - s;
}
void normal(tensor_t& t, Eigen::ThreadPoolDevice* d) {
    if (d)
        t.device(*d) = t.random<Eigen::internal::NormalRandomGenerator<float>>() * 0.01f;
    else
        t = t.random<Eigen::internal::NormalRandomGenerator<float>>() * 0.01f;
}
void set_random(tensor_t& t, Eigen::ThreadPoolDevice*) { t.setRandom(); }

void register_all(int threads) {
    g_threads = threads;
    bench::configure(benchmark::RegisterBenchmark("W1/xavier_uniform/eigen", bm<fill_fn>, xavier), benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/normal/eigen", bm<fill_fn>, normal), benchmark::kMicrosecond);
    if (threads == 1)
        bench::configure(benchmark::RegisterBenchmark("W1/setRandom/eigen", bm<fill_fn>, set_random),
                         benchmark::kMicrosecond);
}

}  // namespace

KILN_BENCH_MAIN("eigen", register_all)
