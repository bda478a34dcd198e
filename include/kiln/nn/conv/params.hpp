// kiln/nn/conv/params.hpp: the parameters of a 2-D convolution (conv2d_params) and the cpu
// algorithms that can compute it (conv2d_algo). Included by kiln/nn/conv2d_kernels.hpp.
#pragma once

#include <cstddef>
#include <string>

#include "../../shape.hpp"

namespace kiln::nn::kernels {

// The cpu implementations of conv2d_forward_cpu (see conv2d_kernels.hpp for when each is chosen).
enum class conv2d_algo {
    automatic,  // pick from the shape: winograd, stream or direct
    reference,  // conv2d_reference (plain loops, double accumulation): slow, the ground truth
    direct,     // implicit GEMM with a register-blocked micro-kernel: every shape
    winograd,   // Winograd F(4x4, 3x3): 3x3 kernels, stride 1, dilation 1, groups 1
    stream,     // one streaming pass over the input for few output channels: K/groups <= 4,
                // no padding, stride_w 1
};

inline const char* algo_name(conv2d_algo a) {
    switch (a) {
        case conv2d_algo::automatic: return "automatic";
        case conv2d_algo::reference: return "reference";
        case conv2d_algo::direct: return "direct";
        case conv2d_algo::winograd: return "winograd";
        case conv2d_algo::stream: return "stream";
    }
    return "?";
}

struct conv2d_params {
    std::size_t N, C, H, W;  // input (N, C, H, W)
    std::size_t K, R, S;     // output channels, kernel height, kernel width; weight is (K, C/groups, R, S)
    std::size_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;
    // Which cpu algorithm conv2d_forward_cpu runs (automatic: chosen from the shape). Forcing one that
    // does not accept the shape throws kiln::shape_error; conv2d_algo_accepts() tells beforehand.
    // The gpu kernel ignores it.
    conv2d_algo algo = conv2d_algo::automatic;

    // Output height and width (floor formula). 0 when the parameters are invalid (zero stride, or a
    // dilated kernel larger than the padded input), which validate() reports.
    std::size_t P() const { return out_extent(H, R, stride_h, pad_h, dil_h); }
    std::size_t Q() const { return out_extent(W, S, stride_w, pad_w, dil_w); }

    // Input, weight and output element counts.
    std::size_t x_size() const { return N * C * H * W; }
    std::size_t w_size() const { return groups ? K * (C / groups) * R * S : 0; }
    std::size_t y_size() const { return N * K * P() * Q(); }

    // Throws kiln::shape_error naming the offending numbers.
    KILN_DECL void validate() const;

private:
    static constexpr std::size_t dilated(std::size_t k, std::size_t d) { return d * (k - 1) + 1; }
    static constexpr std::size_t out_extent(std::size_t in, std::size_t k, std::size_t s, std::size_t p,
                                            std::size_t d) {
        if (s == 0 || k == 0 || d == 0 || in + 2 * p < dilated(k, d)) return 0;
        return (in + 2 * p - dilated(k, d)) / s + 1;
    }
    KILN_DECL static std::string pair(std::size_t a, std::size_t b);
    KILN_DECL static void check_fits(const char* what, std::size_t in, std::size_t k, std::size_t p, std::size_t d);
};

// What a caller knows about a convolution at compile time: each field is the value every call will
// have, or dyn (unknown until run time). nn::Conv2D knows everything but N, C (unless in_channels is
// given), H and W. conv2d_forward<F> uses it to compile only the algorithms and micro-kernel tile
// shapes that conv2d_choose_algo (conv2d_kernels.hpp) can pick for such a convolution; the
// algorithm run, and so the result, is the same as with nothing known (conv2d_static{}).
struct conv2d_static {
    std::size_t K = dyn, C = dyn, R = dyn, S = dyn;
    std::size_t stride_h = dyn, stride_w = dyn, pad_h = dyn, pad_w = dyn, dil_h = dyn, dil_w = dyn, groups = dyn;

    static constexpr bool is(std::size_t field, std::size_t v) { return field == v; }
    static constexpr bool may(std::size_t field, std::size_t v) { return field == dyn || field == v; }
    static constexpr bool may_be_at_least(std::size_t field, std::size_t v) { return field == dyn || field >= v; }

    constexpr bool operator==(const conv2d_static&) const = default;
    constexpr bool nothing_known() const { return *this == conv2d_static{}; }
    // Output channels per group, or dyn.
    constexpr std::size_t k_per_group() const { return K != dyn && groups != dyn && groups ? K / groups : dyn; }

    // conv2d_choose_algo's three outcomes, as "may it pick this one?" (a superset of what it picks;
    // exact where the deciding fields are known).
    constexpr bool may_winograd() const {
        return may(R, 3) && may(S, 3) && may(stride_h, 1) && may(stride_w, 1) && may(dil_h, 1) && may(dil_w, 1) &&
               may(groups, 1) && may_be_at_least(C, 16) && may_be_at_least(K, 16);
    }
    constexpr bool surely_winograd() const {
        return is(R, 3) && is(S, 3) && is(stride_h, 1) && is(stride_w, 1) && is(dil_h, 1) && is(dil_w, 1) &&
               is(groups, 1) && C != dyn && C >= 16 && K != dyn && K >= 16;
    }
    constexpr bool may_stream() const {
        const std::size_t kg = k_per_group();
        return !surely_winograd() && may(pad_h, 0) && may(pad_w, 0) && may(stride_w, 1) && (kg == dyn || kg <= 4);
    }
    constexpr bool surely_stream() const {
        const std::size_t kg = k_per_group();
        return !may_winograd() && is(pad_h, 0) && is(pad_w, 0) && is(stride_w, 1) && kg != dyn && kg <= 4;
    }
    constexpr bool may_direct() const { return !surely_winograd() && !surely_stream(); }
    // Whether the direct/stream input may need the zero-padded, phase-split copy (direct.hpp).
    // (dyn is neither 0 nor 1, so an unknown field counts as "may".)
    constexpr bool may_stage() const { return pad_h != 0 || pad_w != 0 || stride_w != 1; }
};

}  // namespace kiln::nn::kernels

namespace kiln::nn::kernels::conv_detail {
// Used by every algorithm (direct.hpp, winograd.hpp) for tile and block counts.
constexpr std::size_t ceil_div(std::size_t a, std::size_t b) { return (a + b - 1) / b; }

// Throws kiln::shape_error when p contradicts a field f knows, or forces an algorithm.
KILN_DECL void check_static(const conv2d_static& f, const conv2d_params& p);
}  // namespace kiln::nn::kernels::conv_detail

#if KILN_HEADER_ONLY
#include "../../impl/nn/conv/params.ipp"
#endif
