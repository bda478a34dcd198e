// W2, libtorch: at::conv2d(x, w, b, stride, padding) on contiguous NCHW float tensors (inference mode).
//   W2/<S>/torch
// Threads: torch::set_num_threads(n). Whether libtorch routes this to its bundled oneDNN (mkldnn) or its
// own kernels is its choice; the program records at::hasMKLDNN() in the context.
#include <torch/torch.h>

#include "conv_common.hpp"

namespace {

using namespace bench::conv;

void bm(benchmark::State& state, const conv_case* cc) {
    c10::InferenceMode guard;
    const auto& p = cc->p;
    const auto& d = data(*cc);
    auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
    auto x = torch::from_blob(const_cast<float*>(d.x.data()), {long(p.N), long(p.C), long(p.H), long(p.W)}, f32);
    auto w = torch::from_blob(const_cast<float*>(d.w.data()), {long(p.K), long(p.C), long(p.R), long(p.S)}, f32);
    auto b = torch::from_blob(const_cast<float*>(d.b.data()), {long(p.K)}, f32);
    const std::vector<long> stride{long(p.stride_h), long(p.stride_w)}, pad{long(p.pad_h), long(p.pad_w)};
    {
        auto y = at::conv2d(x, w, b, stride, pad).contiguous();
        if (y.numel() != long(p.y_size())) return state.SkipWithError("torch: wrong output size");
        if (auto err = check(*cc, y.data_ptr<float>()); !err.empty()) return state.SkipWithError(err.c_str());
    }
    for (auto _ : state) {
        auto y = at::conv2d(x, w, b, stride, pad);
        benchmark::DoNotOptimize(y.data_ptr<float>());
        benchmark::ClobberMemory();
    }
    set_counters(state, *cc);
}

void register_all(int threads) {
    torch::set_num_threads(threads);
    benchmark::AddCustomContext("torch_threads", std::to_string(at::get_num_threads()));
    benchmark::AddCustomContext("torch_has_mkldnn", at::hasMKLDNN() ? "yes" : "no");
    for (const auto& c : cases())
        bench::configure(benchmark::RegisterBenchmark((std::string("W2/") + c.name + "/torch").c_str(), bm, &c));
}

}  // namespace

KILN_BENCH_MAIN("torch", register_all)
