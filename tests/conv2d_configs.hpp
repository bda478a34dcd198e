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

// Upper bounds of a family of random configurations (the lower bounds are 1, padding 0).
struct config_ranges {
    std::size_t N, channels, H, W, kernel, stride, pad, dilation;  // channels: C and K; kernel, stride,
                                                                   // dilation: each axis
};

// `count` random configurations from a fixed seed within r; groups(p, pick) chooses p.groups.
// Combinations whose dilated kernel does not fit the padded input are skipped, after on_unfit(p).
template <class Groups, class OnUnfit>
std::vector<conv2d_params> generate_configs(std::size_t count, unsigned seed, const config_ranges& r, Groups groups,
                                            OnUnfit on_unfit) {
    std::mt19937 rng(seed);
    auto pick = [&](std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng); };
    std::vector<conv2d_params> out;
    while (out.size() < count) {
        conv2d_params p{};
        p.N = pick(1, r.N);
        p.C = pick(1, r.channels);
        p.K = pick(1, r.channels);
        p.H = pick(1, r.H);
        p.W = pick(1, r.W);
        p.R = pick(1, r.kernel);
        p.S = pick(1, r.kernel);
        p.stride_h = pick(1, r.stride);
        p.stride_w = pick(1, r.stride);
        p.pad_h = pick(0, r.pad);
        p.pad_w = pick(0, r.pad);
        p.dil_h = pick(1, r.dilation);
        p.dil_w = pick(1, r.dilation);
        p.groups = groups(p, pick);
        const bool fits = p.H + 2 * p.pad_h >= p.dil_h * (p.R - 1) + 1 && p.W + 2 * p.pad_w >= p.dil_w * (p.S - 1) + 1;
        if (!fits) {
            on_unfit(p);
            continue;
        }
        out.push_back(p);
    }
    return out;
}

// `count` random configurations from a fixed seed: N 1-3, C and K 1-9, H and W 1-17, kernel 1-5 per
// axis, stride 1-3, padding 0-2, dilation 1-3 per axis, groups a random common divisor of C and K.
// Unfit combinations are skipped after on_unfit(p) (the test suite checks there that validate()
// rejects them).
template <class OnUnfit = ignore_unfit>
std::vector<conv2d_params> random_configs(std::size_t count, unsigned seed, OnUnfit on_unfit = {}) {
    auto any_common_divisor = [](const conv2d_params& p, auto& pick) {
        std::vector<std::size_t> divisors;
        for (std::size_t g = 1; g <= std::gcd(p.C, p.K); ++g)
            if (p.C % g == 0 && p.K % g == 0) divisors.push_back(g);
        return divisors[pick(0, divisors.size() - 1)];
    };
    return generate_configs(count, seed, {3, 9, 17, 17, 5, 3, 2, 3}, any_common_divisor, on_unfit);
}

// Larger channel counts and widths than random_configs (more than one vector of channels and of
// output columns, partial vectors, several output-channel blocks), fewer of them: N 1-2, C and K
// 1-40, H 1-12, W 1-45, kernel 1-4, stride 1-2, padding 0-2, dilation 1-2; groups 2 for a quarter
// of those whose C and K are both even, else 1.
inline std::vector<conv2d_params> wide_configs(std::size_t count, unsigned seed) {
    auto mostly_one = [](const conv2d_params& p, auto& pick) -> std::size_t {
        return std::gcd(p.C, p.K) % 2 == 0 && pick(0, 3) == 0 ? 2 : 1;
    };
    return generate_configs(count, seed, {2, 40, 12, 45, 4, 2, 2, 2}, mostly_one, ignore_unfit{});
}

}  // namespace conv2d_test
