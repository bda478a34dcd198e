// tests/conv2d_configs.hpp: the random Conv2D configurations of the conv test suite
// (tests/test_conv2d_kernels.cpp), shared with the CUDA kernel's host emulation
// (bench/gpu/igemm_emulate.cpp) and the GPU check (bench/gpu/conv_bench.cu), so that all three
// cover the same shapes from the same seeds.
#pragma once

#include <kiln/nn/conv/params.hpp>

#include <cstddef>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace conv2d_test {

using kiln::nn::kernels::conv2d_params;

inline std::string describe(const conv2d_params& p) {
    auto s = [](std::size_t v) { return std::to_string(v); };
    return "x (" + s(p.N) + ", " + s(p.C) + ", " + s(p.H) + ", " + s(p.W) + "), K " + s(p.K) + ", kernel " + s(p.R) +
           "x" + s(p.S) + ", stride (" + s(p.stride_h) + ", " + s(p.stride_w) + "), pad (" + s(p.pad_h) + ", " +
           s(p.pad_w) + "), dilation (" + s(p.dil_h) + ", " + s(p.dil_w) + "), groups " + s(p.groups);
}

struct ignore_unfit {
    void operator()(const conv2d_params&) const {}
};

// `count` random configurations from a fixed seed: N 1-3, C and K 1-9, H and W 1-17, kernel 1-5 per
// axis, stride 1-3, padding 0-2, dilation 1-3 per axis, groups a random common divisor of C and K.
// Combinations whose dilated kernel does not fit the padded input are skipped, after on_unfit(p)
// (the test suite checks there that validate() rejects them).
template <class OnUnfit = ignore_unfit>
std::vector<conv2d_params> random_configs(std::size_t count, unsigned seed, OnUnfit on_unfit = {}) {
    std::mt19937 rng(seed);
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
    std::vector<conv2d_params> out;
    while (out.size() < count) {
        conv2d_params p{};
        p.N = pick(1, 3);
        p.C = pick(1, 9);
        p.K = pick(1, 9);
        p.H = pick(1, 17);
        p.W = pick(1, 17);
        p.R = pick(1, 5);
        p.S = pick(1, 5);
        p.stride_h = pick(1, 3);
        p.stride_w = pick(1, 3);
        p.pad_h = pick(0, 2);
        p.pad_w = pick(0, 2);
        p.dil_h = pick(1, 3);
        p.dil_w = pick(1, 3);
        std::vector<std::size_t> divisors;
        for (std::size_t g = 1; g <= std::gcd(p.C, p.K); ++g)
            if (p.C % g == 0 && p.K % g == 0) divisors.push_back(g);
        p.groups = divisors[pick(0, divisors.size() - 1)];
        const bool fits = p.H + 2 * p.pad_h >= p.dil_h * (p.R - 1) + 1 && p.W + 2 * p.pad_w >= p.dil_w * (p.S - 1) + 1;
        if (!fits) {
            on_unfit(p);
            continue;
        }
        out.push_back(p);
    }
    return out;
}

}  // namespace conv2d_test
