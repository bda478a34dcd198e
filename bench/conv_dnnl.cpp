// W2, oneDNN (libdnnl 2.x): the convolution primitive, forward_inference, f32, with bias.
//   W2/<S>/dnnl_direct            algorithm::convolution_direct, primitive only
//   W2/<S>/dnnl_winograd          algorithm::convolution_winograd, primitive only (SkipWithError
//                                 "unsupported" where oneDNN has no winograd implementation)
//   W2/<S>/dnnl_<alg>_reorders    the reorders a caller with plain NCHW tensors pays on every call:
//                                 src NCHW -> the primitive's src format and dst back to NCHW
//   W2/<S>/dnnl_<alg>_weights     the weight reorder OIHW -> the primitive's weights format, which a
//                                 caller pays whenever the weights change (for winograd the format is
//                                 oneDNN's wino format: the reorder is the weight transform)
// src, weights and dst are created with format_tag::any, so the primitive picks its blocked layouts;
// the weights are reordered once, outside the timing (a framework caches them). The peer's number in
// docs/performance.md is the primitive-only time; the reorders are reported next to it.
// Threads: this Debian build uses the OpenMP runtime: omp_set_num_threads(n) (and OMP_NUM_THREADS).
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <memory>

#include "conv_common.hpp"

namespace {

using namespace bench::conv;
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::engine& engine() {
    static dnnl::engine e(dnnl::engine::kind::cpu, 0);
    return e;
}

struct dnnl_conv {
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward prim;
    dnnl::memory src_user, w_user, b, dst_user;  // plain NCHW / OIHW / x
    dnnl::memory src, w, dst;                    // the primitive's formats
    std::vector<float> y;                        // NCHW result
    std::string impl;
};

dnnl::memory::dims dims(std::initializer_list<std::size_t> v) {
    dnnl::memory::dims d;
    for (auto x : v) d.push_back(static_cast<dnnl::memory::dim>(x));
    return d;
}

// Builds the primitive and its memories; throws dnnl::error when the algorithm is unsupported.
std::unique_ptr<dnnl_conv> make(const conv_case& c, dnnl::algorithm alg) {
    const auto& p = c.p;
    const auto& d = data(c);
    auto& eng = engine();
    const auto src_d = dims({p.N, p.C, p.H, p.W}), w_d = dims({p.K, p.C, p.R, p.S}), b_d = dims({p.K}),
               dst_d = dims({p.N, p.K, p.P(), p.Q()});
    const auto strides = dims({p.stride_h, p.stride_w}), pad = dims({p.pad_h, p.pad_w});
    dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, alg,
                                         dnnl::memory::desc(src_d, dt::f32, tag::any),
                                         dnnl::memory::desc(w_d, dt::f32, tag::any),
                                         dnnl::memory::desc(b_d, dt::f32, tag::a),
                                         dnnl::memory::desc(dst_d, dt::f32, tag::any), strides, pad, pad);
    auto c_ = std::make_unique<dnnl_conv>();
    c_->pd = dnnl::convolution_forward::primitive_desc(desc, eng);
    c_->prim = dnnl::convolution_forward(c_->pd);
    c_->impl = c_->pd.impl_info_str();
    c_->y.assign(p.y_size(), -7.f);
    c_->src_user = dnnl::memory({src_d, dt::f32, tag::nchw}, eng, const_cast<float*>(d.x.data()));
    c_->w_user = dnnl::memory({w_d, dt::f32, tag::oihw}, eng, const_cast<float*>(d.w.data()));
    c_->b = dnnl::memory({b_d, dt::f32, tag::a}, eng, const_cast<float*>(d.b.data()));
    c_->dst_user = dnnl::memory({dst_d, dt::f32, tag::nchw}, eng, c_->y.data());
    c_->src = dnnl::memory(c_->pd.src_desc(), eng);
    c_->w = dnnl::memory(c_->pd.weights_desc(), eng);
    c_->dst = dnnl::memory(c_->pd.dst_desc(), eng);
    dnnl::stream s(eng);
    dnnl::reorder(c_->src_user, c_->src).execute(s, c_->src_user, c_->src);
    dnnl::reorder(c_->w_user, c_->w).execute(s, c_->w_user, c_->w);
    s.wait();
    return c_;
}

void run_prim(dnnl_conv& c, dnnl::stream& s) {
    c.prim.execute(s, {{DNNL_ARG_SRC, c.src}, {DNNL_ARG_WEIGHTS, c.w}, {DNNL_ARG_BIAS, c.b}, {DNNL_ARG_DST, c.dst}});
}

enum class timed { primitive, io_reorders, weights_reorder };

void bm(benchmark::State& state, const conv_case* cc, dnnl::algorithm alg, timed what) {
    std::unique_ptr<dnnl_conv> c;
    try {
        c = make(*cc, alg);
    } catch (const dnnl::error& e) {
        return state.SkipWithError((std::string("unsupported: oneDNN has no ") +
                                    (alg == dnnl::algorithm::convolution_winograd ? "winograd" : "direct") +
                                    " implementation for this shape (" + e.what() + ")")
                                       .c_str());
    }
    dnnl::stream s(engine());
    dnnl::reorder to_src(c->src_user, c->src), to_user(c->dst, c->dst_user), to_w(c->w_user, c->w);
    run_prim(*c, s);
    to_user.execute(s, c->dst, c->dst_user);
    s.wait();
    if (auto err = check(*cc, c->y.data()); !err.empty()) return state.SkipWithError(err.c_str());
    state.SetLabel(c->impl);
    for (auto _ : state) {
        switch (what) {
            case timed::io_reorders:
                to_src.execute(s, c->src_user, c->src);
                to_user.execute(s, c->dst, c->dst_user);
                break;
            case timed::weights_reorder: to_w.execute(s, c->w_user, c->w); break;
            case timed::primitive: run_prim(*c, s); break;
        }
        s.wait();
    }
    if (what == timed::primitive) set_counters(state, *cc);
}

void register_all(int threads) {
    omp_set_num_threads(threads);
    benchmark::AddCustomContext("omp_max_threads", std::to_string(omp_get_max_threads()));
    const auto* v = dnnl::version();
    benchmark::AddCustomContext("dnnl_version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                                    std::to_string(v->patch) + " (" + v->hash + ")");
    for (const auto& c : cases()) {
        const std::string base = std::string("W2/") + c.name + "/dnnl_";
        for (auto [alg, an] : {std::pair{dnnl::algorithm::convolution_direct, "direct"},
                               std::pair{dnnl::algorithm::convolution_winograd, "winograd"}}) {
            bench::configure(benchmark::RegisterBenchmark((base + an).c_str(), bm, &c, alg, timed::primitive));
            bench::configure(
                benchmark::RegisterBenchmark((base + an + "_reorders").c_str(), bm, &c, alg, timed::io_reorders));
            bench::configure(
                benchmark::RegisterBenchmark((base + an + "_weights").c_str(), bm, &c, alg, timed::weights_reorder));
        }
    }
}

}  // namespace

KILN_BENCH_MAIN("dnnl", register_all)
