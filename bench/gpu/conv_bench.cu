// bench/gpu/conv_bench.cu: Conv2D forward on the gpu tag (CUDA), the implicit-GEMM kernel of
// kiln/gpu/conv2d_igemm.hpp, at the GPU issue's shapes. Every timed configuration is first checked
// against a double-accumulation reference on a sample of outputs (every output of image 0 / channel
// 0, which includes all padded borders, plus 4096 random outputs and the last 256). Built and run by
// bench/gpu/check; needs a GPU. Lines starting with '@' are for the check script:
//
//   @gpu <name> <SMs> <cc>
//   @conv <shape> <N> <GFLOP/s> <ms per call> <tile> <splits> <max rel err>      kiln, exact FP32 (auto plan)
//   @conv_tf32 <shape> <N> <GFLOP/s> <ms> <tile> <splits> <max rel err>           kiln, opt-in TF32
//   @conv_sweep <shape> <N> <tile> <splits> <GFLOP/s> <max rel err>               every forced plan
//   @conv_thrust <shape> <N> <GFLOP/s>                                            the old one-thread-per-output path
//   @conv_f64 <shape> <N> <GFLOP/s> <max rel err>
//   @check <what> ok|FAIL [detail]
//
// Before any timing, "plan coverage" runs the test suite's random configurations (stride, padding,
// dilation, groups, ragged edges) through every kernel variant the planner may pick (4 float tiles
// x 1-3 K slices, TF32, double), each against conv2d_reference: the test suite itself only reaches
// the variants its small shapes select.
//
// Usage: conv_bench [--quick] [--no-sweep]
#include <kiln/nn/conv2d_kernels.hpp>

#include <cuda_runtime_api.h>
#include <nvtx3/nvToolsExt.h>

#include "timing.cuh"

#include "../../tests/conv2d_configs.hpp"  // the conv test suite's random configurations

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace {

using conv2d_test::random_configs;

using bench_gpu::cuda_ok;
using bench_gpu::time_ms;

using kiln::nn::kernels::conv2d_params;
namespace ig = kiln::gpu_exec::igemm;

bool g_failed = false;

template <class T>
struct dev_buf {
    T* p = nullptr;
    std::size_t n = 0;
    explicit dev_buf(std::size_t count) : n(count) {
        cuda_ok(cudaMalloc(&p, std::max<std::size_t>(n, 1) * sizeof(T)), "cudaMalloc");
    }
    dev_buf(const std::vector<T>& h) : dev_buf(h.size()) {
        cuda_ok(cudaMemcpy(p, h.data(), n * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy H2D");
    }
    ~dev_buf() { cudaFree(p); }
    dev_buf(const dev_buf&) = delete;
    dev_buf& operator=(const dev_buf&) = delete;
    std::vector<T> get() const {
        std::vector<T> h(n);
        cuda_ok(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
        return h;
    }
};

conv2d_params make(std::size_t N, std::size_t C, std::size_t HW, std::size_t K) {
    conv2d_params p{};
    p.N = N, p.C = C, p.H = p.W = HW, p.K = K, p.R = p.S = 3;
    p.pad_h = p.pad_w = 1;
    return p;
}

double flops(const conv2d_params& p) {
    return 2.0 * double(p.N) * double(p.K) * double(p.C / p.groups) * double(p.R * p.S) * double(p.P() * p.Q());
}

template <class T>
struct problem {
    conv2d_params p;
    std::vector<T> x, w, b;
    std::vector<std::size_t> sample;  // output indices checked
    std::vector<double> ref;          // reference at those indices
};

// One output of conv2d_reference's definition (double accumulation), at flat index e of y.
template <class T>
double reference_at(const problem<T>& pr, std::size_t e) {
    const conv2d_params& p = pr.p;
    const std::size_t P = p.P(), Q = p.Q(), Cg = p.C / p.groups, Kg = p.K / p.groups;
    const std::size_t ow = e % Q, oh = (e / Q) % P, k = (e / (P * Q)) % p.K, n = e / (P * Q * p.K);
    const std::size_t g = k / Kg;
    double acc = pr.b.empty() ? 0.0 : double(pr.b[k]);
    for (std::size_t c = 0; c < Cg; ++c)
        for (std::size_t r = 0; r < p.R; ++r)
            for (std::size_t s = 0; s < p.S; ++s) {
                const long ih = long(oh * p.stride_h + r * p.dil_h) - long(p.pad_h);
                const long iw = long(ow * p.stride_w + s * p.dil_w) - long(p.pad_w);
                if (ih < 0 || ih >= long(p.H) || iw < 0 || iw >= long(p.W)) continue;
                acc += double(pr.x[((n * p.C + g * Cg + c) * p.H + std::size_t(ih)) * p.W + std::size_t(iw)]) *
                       double(pr.w[((k * Cg + c) * p.R + r) * p.S + s]);
            }
    return acc;
}

template <class T>
problem<T> make_problem(const conv2d_params& p, unsigned seed) {
    problem<T> pr{p, {}, {}, {}, {}, {}};
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    const double ws = 1.0 / std::sqrt(double(p.C / p.groups * p.R * p.S));  // |y| around 1
    pr.x.resize(p.x_size());
    pr.w.resize(p.w_size());
    pr.b.resize(p.K);
    for (auto& v : pr.x) v = T(u(rng));
    for (auto& v : pr.w) v = T(u(rng) * ws);
    for (auto& v : pr.b) v = T(0.5 * u(rng));
    const std::size_t total = p.y_size(), plane = p.P() * p.Q();
    for (std::size_t e = 0; e < std::min(plane, total); ++e) pr.sample.push_back(e);
    for (std::size_t e = total - std::min<std::size_t>(256, total); e < total; ++e) pr.sample.push_back(e);
    std::uniform_int_distribution<std::size_t> pick(0, total - 1);
    for (int i = 0; i < 4096; ++i) pr.sample.push_back(pick(rng));
    for (std::size_t e : pr.sample) pr.ref.push_back(reference_at(pr, e));
    return pr;
}

// Self-test of reference_at against kiln's conv2d_reference on a small problem with every feature.
bool check_reference_at() {
    conv2d_params p{};
    p.N = 2, p.C = 6, p.H = 11, p.W = 9, p.K = 4, p.R = 3, p.S = 2, p.stride_h = 2, p.stride_w = 1;
    p.pad_h = 1, p.pad_w = 2, p.dil_h = 1, p.dil_w = 2, p.groups = 2;
    auto pr = make_problem<double>(p, 1);
    std::vector<double> y(p.y_size());
    kiln::nn::kernels::conv2d_reference(p, pr.x.data(), pr.w.data(), pr.b.data(), y.data());
    for (std::size_t e = 0; e < y.size(); ++e)
        if (std::fabs(reference_at(pr, e) - y[e]) > 1e-12) return false;
    return true;
}

// The FP32 tolerance of max_error for the benchmark shapes (their weights are scaled, so |y| ~ 1).
constexpr double conv_tol = 1e-4;

template <class T>
double max_error(const problem<T>& pr, const std::vector<T>& y) {
    double worst = 0;
    for (std::size_t i = 0; i < pr.sample.size(); ++i) {
        const double r = pr.ref[i];
        const double e = std::fabs(double(y[pr.sample[i]]) - r) / std::max(std::fabs(r), 1.0);
        if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
    }
    return worst;
}

struct shape_case {
    const char* name;
    std::size_t C, HW, K;
};
const shape_case shapes[] = {{"S2", 64, 56, 64}, {"S3", 512, 14, 512}, {"S4", 64, 56, 64}};

// Runs the kiln API (kiln::nn::kernels::conv2d_forward on gpu(0)); forced: a fixed plan instead.
template <class T>
void run_kiln(const problem<T>& pr, const dev_buf<T>& x, const dev_buf<T>& w, const dev_buf<T>& b, dev_buf<T>& y,
              const ig::plan* forced = nullptr, ig::run_info* info = nullptr) {
    if (!forced) {
        kiln::nn::kernels::conv2d_forward(kiln::gpu(0), pr.p, x.p, w.p, b.p, y.p);
        return;
    }
    if (!ig::conv2d_igemm(pr.p, x.p, w.p, b.p, y.p, kiln::gpu_allow_tf32(), forced, info))
        std::printf("@check plan FAIL geometry does not fit the igemm kernel\n");
}

// One configuration on one forced plan against conv2d_reference: max |y - ref| / max(mag, 1e-30),
// where mag = sum |w x| + |b| over the output's terms (the same convolution on absolute values).
// Relative to the magnitude of its terms, a dot product's rounding error does not grow with its
// depth as it does relative to |ref| (a sum of 1170 products of U(-1, 1) numbers in FP32, in
// order: about 2e-5 of max(|ref|, 1) but 1.3e-7 of mag; 2.6e-7 at depth 144), so one tolerance
// holds for every configuration.
template <class T>
double plan_error(const conv2d_params& p, const ig::plan& pl, bool tf32, bool bias, std::mt19937& rng) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<T> hx(p.x_size()), hw(p.w_size()), hb(p.K), ref(p.y_size()), mag(p.y_size());
    for (auto& v : hx) v = T(u(rng));
    for (auto& v : hw) v = T(u(rng));
    for (auto& v : hb) v = T(u(rng));
    kiln::nn::kernels::conv2d_reference(p, hx.data(), hw.data(), bias ? hb.data() : nullptr, ref.data());
    {
        auto absolute = [](std::vector<T> v) {
            for (auto& e : v) e = std::fabs(e);
            return v;
        };
        const std::vector<T> ax = absolute(hx), aw = absolute(hw), ab = absolute(hb);
        kiln::nn::kernels::conv2d_reference(p, ax.data(), aw.data(), bias ? ab.data() : nullptr, mag.data());
    }
    dev_buf<T> x(hx), w(hw), b(hb), y(p.y_size());
    cuda_ok(cudaMemset(y.p, 0xFF, y.n * sizeof(T)), "cudaMemset");
    if (!ig::conv2d_igemm(p, x.p, w.p, bias ? b.p : nullptr, y.p, tf32, &pl)) return INFINITY;
    cuda_ok(cudaDeviceSynchronize(), "conv2d_igemm (plan coverage)");
    const std::vector<T> got = y.get();
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double r = ref[i], e = std::fabs(double(got[i]) - r) / std::max(double(mag[i]), 1e-30);
        if (!(e <= worst)) worst = std::isnan(e) ? INFINITY : e;
    }
    return worst;
}

// Every variant x split count on the random configurations (and a few larger shapes).
bool check_all_plans(bool quick, bool tf32_capable) {
    auto configs = random_configs(quick ? 40 : 250, 2024u);
    configs.push_back(make(2, 32, 13, 200));  // K 200: two 128-row tiles, ragged
    {
        conv2d_params p = make(1, 48, 20, 96);
        p.groups = 2, p.stride_h = p.stride_w = 2;
        configs.push_back(p);
    }
    configs.push_back(make(1, 130, 9, 130));  // K depth 1170
    std::mt19937 rng(99);
    int runs = 0, bad = 0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const conv2d_params& p = configs[i];
        const ig::conv_geometry g = ig::make_geometry(p, 1, 8);
        const bool bias = i % 2 == 0;
        auto report = [&](double err, double tol, const char* variant, const ig::plan& pl) {
            ++runs;
            if (err <= tol) return;
            if (++bad <= 10)
                std::printf("@check plan_coverage FAIL config %zu (N %zu C %zu H %zu W %zu K %zu k %zux%zu st "
                            "%zu,%zu pad %zu,%zu dil %zu,%zu g %zu) %s tile %s splits %d: err %.3g > %.3g\n",
                            i, p.N, p.C, p.H, p.W, p.K, p.R, p.S, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dil_h,
                            p.dil_w, p.groups, variant, variant[1] == '6' ? "64x64" : ig::float_configs[pl.cfg].name,
                            pl.splits, err, tol);
        };
        for (int c = 0; c < ig::num_float_configs; ++c)
            for (int sp = 1; sp <= 3; ++sp) {
                const ig::plan pl = ig::make_plan(g, c, sp);
                if (pl.splits != sp) continue;
                // FP32: about 8x the largest error of an in-order FP32 dot product (above); TF32:
                // each product's inputs rounded to 10 mantissa bits, at most 2 * 2^-11 of mag
                report(plan_error<float>(p, pl, false, bias, rng), 2e-6, "f32", pl);
                if (tf32_capable && sp == 1 + int(i % 3))  // TF32: one split count per configuration
                    report(plan_error<float>(p, pl, true, bias, rng), 2e-3, "tf32", pl);
            }
        for (int sp = 1; sp <= 2; ++sp) {
            const ig::plan pl = ig::make_plan(g, 0, sp);
            if (pl.splits == sp) report(plan_error<double>(p, pl, false, bias, rng), 1e-14, "f64", pl);
        }
    }
    std::printf("@check plan_coverage %s %d runs on %zu configurations, %d failed\n", bad ? "FAIL" : "ok", runs,
                configs.size(), bad);
    std::printf("plan coverage: %d kernel runs (every tile x K slices, TF32, FP64) on %zu configurations: %s\n", runs,
                configs.size(), bad ? "FAILED" : "all match conv2d_reference");
    return bad == 0;
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// Runs `run` once into y (NaN-filled first: unwritten outputs show), compares y with pr's reference
// sample and, only when it is within conv_tol, times `run`. Returns GFLOP/s, or a negative number
// when the result was wrong; err gets the error either way.
template <class Run>
double checked_gflops(const problem<float>& pr, dev_buf<float>& y, Run run, double target_ms, double& err) {
    cuda_ok(cudaMemset(y.p, 0xFF, y.n * sizeof(float)), "cudaMemset");
    run();
    cuda_ok(cudaDeviceSynchronize(), "conv2d (checked run)");
    err = max_error(pr, y.get());
    if (!(err <= conv_tol)) return -1;
    return flops(pr.p) / (time_ms(run, target_ms) * 1e6);
}

// ---- experiments: tile configurations the planner does not use (bench only), launched directly
// with a K slicing in multiples of the configuration's BK; each result checked before it is timed.
// Channel-inner configurations (tile_config's CI_) read the weights reordered into wr: by a kernel in
// every run (ci_reorder::every_run, what the library would do without caching them), or once before
// the timing (ci_reorder::once, the kernel alone).
enum class ci_reorder { every_run, once };

template <class Cfg>
void run_variant(const problem<float>& pr, const dev_buf<float>& x, const dev_buf<float>& w,
                 const dev_buf<float>& b, dev_buf<float>& y, int splits, dev_buf<float>& ws,
                 dev_buf<float>* wr = nullptr, ci_reorder reorder = ci_reorder::every_run) {
    const conv2d_params& p = pr.p;
    const ig::conv_geometry g0 = ig::make_geometry(p, 1, Cfg::BK);
    const int steps = ig::ceil_div(g0.CRS, Cfg::BK);
    const int chunk = ig::ceil_div(steps, splits) * Cfg::BK;
    const int sp = ig::ceil_div(g0.CRS, chunk);
    ig::igemm_args<float> a{x.p, w.p, b.p, y.p, sp > 1 ? ws.p : nullptr, ig::make_geometry(p, sp, chunk)};
    if constexpr (Cfg::CHANNEL_INNER) {
        if (reorder == ci_reorder::every_run) ig::launch_reorder_weights_ci(a.g, w.p, wr->p);
        a.w = wr->p;
    }
    ig::launch_main<Cfg, false>(a);
    if (sp > 1) ig::launch_splitk_reduce(a, (long long)p.y_size());
}

template <class Cfg>
void measure_variant(const char* name, const char* shape, const problem<float>& pr, const dev_buf<float>& x,
                     const dev_buf<float>& w, const dev_buf<float>& b, dev_buf<float>& y, dev_buf<float>& ws,
                     double target, std::string& line, dev_buf<float>* wr = nullptr,
                     ci_reorder reorder = ci_reorder::every_run) {
    if constexpr (Cfg::CHANNEL_INNER) {
        const ig::conv_geometry g = ig::make_geometry(pr.p, 1, Cfg::BK);
        if (!ig::channel_inner_ok(g, Cfg::BK)) return;
        if (reorder == ci_reorder::once) {  // reordered here, outside the timed runs
            ig::launch_reorder_weights_ci(g, w.p, wr->p);
            cuda_ok(cudaDeviceSynchronize(), "reorder_weights_ci");
        } else {  // poison: the timed runs must reorder themselves
            cuda_ok(cudaMemset(wr->p, 0xFF, wr->n * sizeof(float)), "cudaMemset");
        }
    }
    for (int sp : {1, 2, 4}) {
        if (std::size_t(sp) * pr.p.K * pr.p.N * pr.p.P() * pr.p.Q() > ws.n) continue;  // workspace too small
        double e = 0;
        const double gf = checked_gflops(
            pr, y, [&] { run_variant<Cfg>(pr, x, w, b, y, sp, ws, wr, reorder); }, target, e);
        if (gf < 0) {
            g_failed = true;
            std::printf("@check conv_variant %s N=%zu %s splits %d FAIL err=%.3g\n", shape, pr.p.N, name, sp, e);
            continue;
        }
        std::printf("@conv_variant %s %zu %s %d %.1f %.3g\n", shape, pr.p.N, name, sp, gf, e);
        line += std::string(" ") + name + "/" + std::to_string(sp) + ": " + fmt("%.0f", gf);
    }
}


}  // namespace

int main(int argc, char** argv) {
    bool quick = false, sweep = true, coverage = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") quick = true;
        if (a == "--no-sweep") sweep = false;
        if (a == "--no-coverage") coverage = false;  // skip check_all_plans (for profiling runs)
    }
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("no GPU: nothing measured\n");
        return 77;
    }
    cudaDeviceProp prop{};
    cuda_ok(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("@gpu %s|%d|%d.%d\n", prop.name, prop.multiProcessorCount, prop.major, prop.minor);

    const bool ref_ok = check_reference_at();
    std::printf("@check reference_at %s\n", ref_ok ? "ok" : "FAIL");
    if (!ref_ok) return 1;

    if (coverage && !check_all_plans(quick, prop.major >= 8)) g_failed = true;

    const double target = quick ? 20.0 : 100.0;
    std::printf("\nConv2D forward, kiln implicit GEMM on gpu(0), FP32 exact (FFMA), 3x3 pad 1 stride 1\n");
    std::printf("%-4s %4s %12s %10s %9s %7s %10s\n", "", "N", "GFLOP/s", "ms/call", "tile", "splits", "max err");
    const double tol_tf32 = 1e-2;
    for (const auto& s : shapes)
        for (std::size_t N : {std::size_t(1), std::size_t(32)}) {
            const conv2d_params p = make(N, s.C, s.HW, s.K);
            const auto pr = make_problem<float>(p, 7u + unsigned(N));
            dev_buf<float> x(pr.x), w(pr.w), b(pr.b), y(p.y_size());
            kiln::gpu_set_allow_tf32(false);

            // the plan the API picks (same planner, reported through run_info)
            ig::run_info info;
            {
                const ig::conv_geometry g = ig::make_geometry(p, 1, 8);
                const ig::plan pl =
                    ig::choose_plan(g, ig::float_configs, ig::num_float_configs, prop.multiProcessorCount);
                info.cfg = pl.cfg, info.splits = pl.splits, info.cfg_name = ig::float_configs[pl.cfg].name;
            }
            cuda_ok(cudaMemset(y.p, 0xFF, y.n * sizeof(float)), "cudaMemset");  // NaN: unwritten outputs show
            {
                // an NVTX range around the first call, so that a profiler can pick this one:
                // ncu --nvtx --nvtx-include "conv_S3_N32/" --launch-count 1 conv_bench --no-coverage
                const std::string range = std::string("conv_") + s.name + "_N" + std::to_string(N);
                nvtxRangePushA(range.c_str());
                run_kiln(pr, x, w, b, y);
                nvtxRangePop();
            }
            cuda_ok(cudaDeviceSynchronize(), "conv2d_forward (kiln igemm)");
            const double err = max_error(pr, y.get());
            const bool ok = err <= conv_tol;
            std::printf("@check conv %s N=%zu %s err=%.3g\n", s.name, N, ok ? "ok" : "FAIL", err);
            if (!ok) {
                g_failed = true;
                continue;  // never time a wrong result
            }
            const double ms = time_ms([&] { run_kiln(pr, x, w, b, y); }, target);
            const double gf = flops(p) / (ms * 1e6);
            std::printf("%-4s %4zu %12.1f %10.4f %9s %7d %10.2e\n", s.name, N, gf, ms, info.cfg_name, info.splits, err);
            std::printf("@conv %s %zu %.1f %.5f %s %d %.3g\n", s.name, N, gf, ms, info.cfg_name, info.splits, err);

            // opt-in TF32 (informational)
            kiln::gpu_set_allow_tf32(true);
            cuda_ok(cudaMemset(y.p, 0xFF, y.n * sizeof(float)), "cudaMemset");
            run_kiln(pr, x, w, b, y);
            cuda_ok(cudaDeviceSynchronize(), "conv2d_forward (kiln igemm, tf32)");
            const double err32 = max_error(pr, y.get());
            const bool ok32 = err32 <= tol_tf32;
            std::printf("@check conv_tf32 %s N=%zu %s err=%.3g\n", s.name, N, ok32 ? "ok" : "FAIL", err32);
            if (ok32) {
                const double ms32 = time_ms([&] { run_kiln(pr, x, w, b, y); }, target);
                std::printf("@conv_tf32 %s %zu %.1f %.5f %s %d %.3g\n", s.name, N, flops(p) / (ms32 * 1e6), ms32,
                            info.cfg_name, info.splits, err32);
                std::printf("     TF32 (opt-in): %.1f GFLOP/s, max err %.2e\n", flops(p) / (ms32 * 1e6), err32);
            } else {
                g_failed = true;
            }
            kiln::gpu_set_allow_tf32(false);

            // the old path, one thread per output (Thrust), at N=1 only (it is slow)
            if (N == 1) {
                const ig::conv_geometry g = ig::make_geometry(p, 1, 8);
                const auto sd = [](std::size_t v) { return static_cast<std::ptrdiff_t>(v); };
                const kiln::gpu_exec::conv2d_element<float> f{
                    x.p, w.p, b.p, p.C, p.K, p.P(), p.Q(), p.R, p.S, std::size_t(g.Cg), std::size_t(g.Kg), sd(p.H),
                    sd(p.W), sd(p.stride_h), sd(p.stride_w), sd(p.pad_h), sd(p.pad_w), sd(p.dil_h), sd(p.dil_w)};
                float* yp = y.p;
                const std::size_t total = p.y_size();
                const double mst = time_ms(
                    [&] {
                        thrust::counting_iterator<std::size_t> first(0);
                        thrust::transform(thrust::device, first, first + total, yp, f);
                    },
                    quick ? 10.0 : 50.0);
                std::printf("     old Thrust path (one thread per output): %.1f GFLOP/s\n", flops(p) / (mst * 1e6));
                std::printf("@conv_thrust %s %zu %.1f\n", s.name, N, flops(p) / (mst * 1e6));
            }

            // every plan, forced (is the planner right? are all tiles correct on this GPU?)
            if (sweep && !(quick && N == 1)) {
                std::string line = "     sweep (tile/splits: GFLOP/s):";
                for (int c = 0; c < ig::num_float_configs; ++c)
                    for (int sp : {1, 2, 4, 8}) {
                        const ig::plan forced = ig::make_plan(ig::make_geometry(p, 1, 8), c, sp);
                        if (forced.splits != sp) continue;
                        ig::run_info fi;
                        double e = 0;
                        const double gff = checked_gflops(
                            pr, y, [&] { run_kiln(pr, x, w, b, y, &forced, &fi); }, target / 4, e);
                        if (gff < 0) {
                            g_failed = true;
                            std::printf("@check conv_sweep %s N=%zu tile %s splits %d FAIL err=%.3g\n", s.name, N,
                                        fi.cfg_name, sp, e);
                            continue;
                        }
                        std::printf("@conv_sweep %s %zu %s %d %.1f %.3g\n", s.name, N, fi.cfg_name, sp, gff, e);
                        line += std::string(" ") + fi.cfg_name + "/" + std::to_string(sp) + ": " + fmt("%.0f", gff);
                    }
                std::printf("%s\n", line.c_str());
            }
        }

    // experiments: the 128x128 tile with other BK, launch bounds and B columns per thread (not used
    // by the planner; for the next kernel change)
    if (sweep && !quick) {
        using ig::tile_config;
        std::printf("\nExperiments, FP32 FFMA, tile variants, 128x128 unless named (bk: kk per step; minb: "
                    "launch-bounds blocks per SM, 2 caps registers at 128; bc: B columns per thread)\n");
        for (const auto& s : shapes) {
            if (s.C != 512 && std::string(s.name) != "S2") continue;
            const conv2d_params p = make(32, s.C, s.HW, s.K);
            const auto pr = make_problem<float>(p, 39u);
            dev_buf<float> x(pr.x), w(pr.w), b(pr.b), y(p.y_size()), ws(4 * p.K * p.N * p.P() * p.Q());
            std::string line = std::string("     ") + s.name + " N=32 (variant/splits: GFLOP/s):";
            measure_variant<tile_config<float, 128, 128, 8, 8, 2, 8, 2>>("bk8.minb2.bc2", s.name, pr, x, w, b, y, ws,
                                                                         target / 4, line);
            measure_variant<tile_config<float, 128, 128, 8, 8, 2, 8, 1>>("bk8.minb1.bc2", s.name, pr, x, w, b, y, ws,
                                                                         target / 4, line);
            measure_variant<tile_config<float, 128, 128, 8, 8, 4, 8, 2>>("bk8.minb2.bc4", s.name, pr, x, w, b, y, ws,
                                                                         target / 4, line);
            measure_variant<tile_config<float, 128, 128, 8, 8, 2, 16, 1>>("bk16.minb1.bc2", s.name, pr, x, w, b, y,
                                                                          ws, target / 4, line);
            measure_variant<tile_config<float, 128, 128, 8, 8, 2, 16, 2>>("bk16.minb2.bc2", s.name, pr, x, w, b, y,
                                                                          ws, target / 4, line);
            measure_variant<tile_config<float, 128, 128, 8, 8, 4, 16, 1>>("bk16.minb1.bc4", s.name, pr, x, w, b, y,
                                                                          ws, target / 4, line);
            measure_variant<tile_config<float, 128, 256, 8, 16, 8, 8, 1>>("128x256.bk8.minb1.bc8", s.name, pr, x, w, b,
                                                                           y, ws, target / 4, line);
            // the channel-inner K order (no per-row im2col decode; weights reordered to (K, R, S, C))
            dev_buf<float> wr(p.w_size());
            using ci_cfg = tile_config<float, 128, 128, 8, 8, 2, 8, 2, true>;
            measure_variant<ci_cfg>("ci.bk8.minb2.bc2", s.name, pr, x, w, b, y, ws, target / 4, line, &wr,
                                    ci_reorder::every_run);
            measure_variant<ci_cfg>("ci-pre.bk8.minb2.bc2", s.name, pr, x, w, b, y, ws, target / 4, line, &wr,
                                    ci_reorder::once);
            measure_variant<tile_config<float, 128, 128, 8, 8, 4, 8, 2, true>>("ci-pre.bk8.minb2.bc4", s.name, pr, x, w,
                                                                               b, y, ws, target / 4, line, &wr,
                                                                               ci_reorder::once);
            std::printf("%s\n", line.c_str());
        }
    }

    // double: correctness and speed on one shape
    {
        const conv2d_params p = make(quick ? 1 : 8, 64, 56, 64);
        const auto pr = make_problem<double>(p, 3u);
        dev_buf<double> x(pr.x), w(pr.w), b(pr.b), y(p.y_size());
        cuda_ok(cudaMemset(y.p, 0xFF, y.n * sizeof(double)), "cudaMemset");
        run_kiln(pr, x, w, b, y);
        cuda_ok(cudaDeviceSynchronize(), "conv2d_forward (kiln igemm, double)");
        const double err = max_error(pr, y.get());
        const bool ok = err <= 1e-12;
        std::printf("@check conv_f64 S2 N=%zu %s err=%.3g\n", p.N, ok ? "ok" : "FAIL", err);
        if (ok) {
            const double ms = time_ms([&] { run_kiln(pr, x, w, b, y); }, target);
            std::printf("\nFP64 S2 N=%zu: %.1f GFLOP/s, max err %.2e\n", p.N, flops(p) / (ms * 1e6), err);
            std::printf("@conv_f64 S2 %zu %.1f %.3g\n", p.N, flops(p) / (ms * 1e6), err);
        } else {
            g_failed = true;
        }
    }
    std::printf("@check conv_bench %s\n", g_failed ? "FAIL" : "ok");
    return g_failed ? 1 : 0;
}
