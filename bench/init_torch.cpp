// W1, libtorch: the same initializers on a preallocated (512, 512, 3, 3) float tensor.
//   W1/xavier_uniform/torch   torch::nn::init::xavier_uniform_(w)
//   W1/normal/torch           torch::nn::init::normal_(w, 0, 0.01)
//   W1/msra_normal/torch      torch::nn::init::kaiming_normal_(w, 0.25, kFanIn, kLeakyReLU)   (kiln's
//                             MSRAPrelu uses the average fan; the work is the same N(0, s) fill)
// Threads: torch::set_num_threads(n).
#include <torch/torch.h>

#include "init_common.hpp"

namespace {

using namespace bench::init;

template <class F>
void bm(benchmark::State& state, F fill) {
    torch::NoGradGuard no_grad;
    auto w = torch::empty({long(K), long(C), long(R), long(S)}, torch::kFloat32);
    fill(w);
    if (!torch::isfinite(w).all().item<bool>() || !(w.min().item<float>() < w.max().item<float>()))
        return state.SkipWithError("torch: bad initializer output");
    for (auto _ : state) {
        fill(w);
        benchmark::DoNotOptimize(w.data_ptr<float>());
        benchmark::ClobberMemory();
    }
    set_counters(state);
}

void register_all(int threads) {
    torch::set_num_threads(threads);
    torch::manual_seed(0);
    benchmark::AddCustomContext("torch_threads", std::to_string(at::get_num_threads()));
    benchmark::AddCustomContext("torch_parallel_info", at::get_parallel_info());
    bench::configure(benchmark::RegisterBenchmark("W1/xavier_uniform/torch", bm<void (*)(torch::Tensor&)>,
                                                  [](torch::Tensor& w) { torch::nn::init::xavier_uniform_(w); }),
                     benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/normal/torch", bm<void (*)(torch::Tensor&)>,
                                                  [](torch::Tensor& w) { torch::nn::init::normal_(w, 0.0, 0.01); }),
                     benchmark::kMicrosecond);
    bench::configure(benchmark::RegisterBenchmark("W1/msra_normal/torch", bm<void (*)(torch::Tensor&)>,
                                                  [](torch::Tensor& w) {
                                                      torch::nn::init::kaiming_normal_(w, 0.25, torch::kFanIn,
                                                                                       torch::kLeakyReLU);
                                                  }),
                     benchmark::kMicrosecond);
}

}  // namespace

KILN_BENCH_MAIN("torch", register_all)
