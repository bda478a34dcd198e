// bench/conv_common.hpp: the W2 convolution cases, their inputs and the naive reference every
// result is checked against (kiln::nn::kernels::conv2d_reference, double accumulation) before a
// benchmark is timed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <kiln/nn/conv2d_kernels.hpp>

#include "common.hpp"

namespace bench::conv {

using kiln::nn::kernels::conv2d_params;

struct conv_case {
    const char* name;
    conv2d_params p;
};

inline conv2d_params make(std::size_t N, std::size_t C, std::size_t H, std::size_t W, std::size_t K, std::size_t R,
                          std::size_t stride, std::size_t pad) {
    conv2d_params p{};
    p.N = N, p.C = C, p.H = H, p.W = W, p.K = K, p.R = R, p.S = R;
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    return p;
}

// The five shapes.
inline const std::vector<conv_case>& cases() {
    static const std::vector<conv_case> c = {
        {"S1", make(1, 8, 224, 224, 1, 3, 1, 0)},    // the tutorial's deferred layer on ones((1,8,224,224))
        {"S2", make(1, 64, 56, 56, 64, 3, 1, 1)},    // ResNet stage 1
        {"S3", make(1, 512, 14, 14, 512, 3, 1, 1)},  // ResNet stage 4
        {"S4", make(8, 64, 56, 56, 64, 3, 1, 1)},    // S2, batch 8
        {"S5", make(1, 3, 224, 224, 64, 7, 2, 3)},   // ResNet stem
    };
    return c;
}

// 2·N·K·(C/g)·R·S·P·Q
inline double flops(const conv2d_params& p) {
    return 2.0 * double(p.N) * double(p.K) * double(p.C / p.groups) * double(p.R) * double(p.S) * double(p.P()) *
           double(p.Q());
}

// Inputs: the same values in every program.
struct conv_data {
    std::vector<float> x, w, b, ref;
};

inline const conv_data& data(const conv_case& c) {
    static std::map<std::string, std::unique_ptr<conv_data>> cache;
    auto& slot = cache[c.name];
    if (!slot) {
        auto d = std::make_unique<conv_data>();
        const auto& p = c.p;
        const float ws = 1.0f / std::sqrt(float((p.C / p.groups) * p.R * p.S));  // keeps |y| around 1
        d->x = uniform_vector(p.x_size(), 1);
        d->w = uniform_vector(p.w_size(), 2, -ws, ws);
        d->b = uniform_vector(p.K, 3, -0.5f, 0.5f);
        d->ref.resize(p.y_size());
        kiln::nn::kernels::conv2d_reference(p, d->x.data(), d->w.data(), d->b.data(), d->ref.data());
        slot = std::move(d);
    }
    return *slot;
}

// Empty when y matches the reference (|y - ref| <= 1e-3 · max(|ref|, 1) everywhere), else a message.
inline std::string check(const conv_case& c, const float* y) {
    const auto& ref = data(c).ref;
    double worst = 0;
    std::size_t at = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double e = std::fabs(double(y[i]) - double(ref[i])) / std::max(std::fabs(double(ref[i])), 1.0);
        if (!(e <= worst)) {  // also catches NaN
            worst = std::isnan(e) ? INFINITY : e;
            at = i;
        }
    }
    if (worst <= 1e-3) return {};
    return std::string(c.name) + ": result differs from the naive reference: relative error " +
           std::to_string(worst) + " at element " + std::to_string(at) + " (got " + std::to_string(y[at]) +
           ", want " + std::to_string(ref[at]) + ")";
}

inline void set_counters(benchmark::State& state, const conv_case& c) {
    state.counters["FLOP"] = rate(flops(c.p));  // FLOP/s
}

}  // namespace bench::conv
