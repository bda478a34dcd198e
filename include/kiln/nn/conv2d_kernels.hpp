// kiln/nn/conv2d_kernels.hpp: 2-D convolution forward (NCHW, float and double) on raw memory.
//
//   x    (N, C, H, W)             input
//   w    (K, C/groups, R, S)      weights
//   bias (K,) or null
//   y    (N, K, P, Q)             output, P = (H + 2*pad_h - (dil_h*(R-1)+1)) / stride_h + 1 (floor), Q alike
//
// Groups split the input channels into `groups` blocks of C/groups and the output channels into
// blocks of K/groups; output channel k reads input block k / (K/groups) (Gluon's num_group).
//
// Three implementations share conv2d_params:
//   conv2d_reference    plain loops with double accumulation, host memory: the ground truth for tests
//   conv2d_forward_cpu  host memory; per output row an axpy per (channel, r, s) tap, vectorised with
//                       xsimd when stride_w == 1 (the straightforward version; speed work comes later)
//   conv2d_forward_gpu  gpu-tag memory; one Thrust transform, one thread per output element
//                       (cuda/kiln/gpu/conv2d.hpp; only with a gpu backend)
// conv2d_forward(ctx, ...) picks one from the device tag. Every entry point calls validate() first.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "../config.hpp"
#include "../device.hpp"
#include "../shape.hpp"
#include "../third_party/xsimd.hpp"

#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/buffer.hpp>  // gpu_detail::select_device
#endif

namespace kiln::nn::kernels {

struct conv2d_params {
    std::size_t N, C, H, W;  // input (N, C, H, W)
    std::size_t K, R, S;     // output channels, kernel height, kernel width; weight is (K, C/groups, R, S)
    std::size_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dil_h = 1, dil_w = 1, groups = 1;

    // Output height and width (floor formula). 0 when the parameters are invalid (zero stride, or a
    // dilated kernel larger than the padded input), which validate() reports.
    std::size_t P() const { return out_extent(H, R, stride_h, pad_h, dil_h); }
    std::size_t Q() const { return out_extent(W, S, stride_w, pad_w, dil_w); }

    // Input, weight and output element counts.
    std::size_t x_size() const { return N * C * H * W; }
    std::size_t w_size() const { return groups ? K * (C / groups) * R * S : 0; }
    std::size_t y_size() const { return N * K * P() * Q(); }

    // Throws kiln::shape_error naming the offending numbers.
    void validate() const {
        if (stride_h == 0 || stride_w == 0)
            throw shape_error("kiln: conv2d stride must be at least 1, got " + pair(stride_h, stride_w));
        if (dil_h == 0 || dil_w == 0)
            throw shape_error("kiln: conv2d dilation must be at least 1, got " + pair(dil_h, dil_w));
        if (groups == 0) throw shape_error("kiln: conv2d groups must be at least 1, got 0");
        if (R == 0 || S == 0) throw shape_error("kiln: conv2d kernel must be at least 1x1, got " + pair(R, S));
        if (C % groups != 0)
            throw shape_error("kiln: input num_filter must divide group size: " + std::to_string(C) +
                              " input channels cannot be split into " + std::to_string(groups) + " groups");
        if (K % groups != 0)
            throw shape_error("kiln: output num_filter must divide group size: " + std::to_string(K) +
                              " output channels cannot be split into " + std::to_string(groups) + " groups");
        check_fits("height", H, R, pad_h, dil_h);
        check_fits("width", W, S, pad_w, dil_w);
    }

private:
    static constexpr std::size_t dilated(std::size_t k, std::size_t d) { return d * (k - 1) + 1; }
    static constexpr std::size_t out_extent(std::size_t in, std::size_t k, std::size_t s, std::size_t p,
                                            std::size_t d) {
        if (s == 0 || k == 0 || d == 0 || in + 2 * p < dilated(k, d)) return 0;
        return (in + 2 * p - dilated(k, d)) / s + 1;
    }
    static std::string pair(std::size_t a, std::size_t b) {
        return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
    }
    static void check_fits(const char* what, std::size_t in, std::size_t k, std::size_t p, std::size_t d) {
        if (in + 2 * p < dilated(k, d))
            throw shape_error(std::string("kiln: kernel size exceeds input: input ") + what + " " +
                              std::to_string(in) + " with padding " + std::to_string(p) + ", dilated kernel " +
                              what + " " + std::to_string(dilated(k, d)) + " (kernel " + std::to_string(k) +
                              ", dilation " + std::to_string(d) + ")");
    }
};

namespace conv_detail {
template <class T>
inline constexpr bool conv_element = std::is_same_v<T, float> || std::is_same_v<T, double>;
}  // namespace conv_detail

// ---------------------------------------------------------------------------------------------
// Reference: the definition, written as plainly as possible. Double accumulation, host memory.
template <class T>
void conv2d_reference(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    p.validate();
    const std::size_t P = p.P(), Q = p.Q();
    const std::size_t Cg = p.C / p.groups, Kg = p.K / p.groups;
    const auto H = static_cast<std::ptrdiff_t>(p.H), W = static_cast<std::ptrdiff_t>(p.W);
    for (std::size_t n = 0; n < p.N; ++n)
        for (std::size_t k = 0; k < p.K; ++k) {
            const std::size_t g = k / Kg;
            for (std::size_t oh = 0; oh < P; ++oh)
                for (std::size_t ow = 0; ow < Q; ++ow) {
                    double acc = bias ? static_cast<double>(bias[k]) : 0.0;
                    for (std::size_t c = 0; c < Cg; ++c)
                        for (std::size_t r = 0; r < p.R; ++r)
                            for (std::size_t s = 0; s < p.S; ++s) {
                                const auto ih = static_cast<std::ptrdiff_t>(oh * p.stride_h + r * p.dil_h) -
                                                static_cast<std::ptrdiff_t>(p.pad_h);
                                const auto iw = static_cast<std::ptrdiff_t>(ow * p.stride_w + s * p.dil_w) -
                                                static_cast<std::ptrdiff_t>(p.pad_w);
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;  // zero padding
                                const std::size_t ci = g * Cg + c;
                                const double xv = x[((n * p.C + ci) * p.H + std::size_t(ih)) * p.W + std::size_t(iw)];
                                const double wv = w[((k * Cg + c) * p.R + r) * p.S + s];
                                acc += xv * wv;
                            }
                    y[((n * p.K + k) * P + oh) * Q + ow] = static_cast<T>(acc);
                }
        }
}

// ---------------------------------------------------------------------------------------------
// cpu kernel. For each (n, k, output row) the row of Q outputs is accumulated in place in y: one
// axpy per (input channel, r, s) tap. Padding is handled by clipping: a tap's input row is skipped
// when it falls in the padding, and its output columns are clipped to those whose input column is
// inside the image, so the inner loop has no branches.
namespace conv_detail {

// y[i] += a * x[i], i < n
template <class T>
inline void conv_axpy(T* y, const T* x, T a, std::size_t n) {
    using B = simd::batch<T>;
    constexpr std::size_t Wd = B::size;
    std::size_t i = 0;
    if (n >= Wd) {
        const B av(a);
        for (; i + Wd <= n; i += Wd) {
            const B acc = xsimd::fma(av, B::load_unaligned(x + i), B::load_unaligned(y + i));
            acc.store_unaligned(y + i);
        }
    }
    for (; i < n; ++i) y[i] += a * x[i];
}

// y[i] += a * x[i * stride], i < n
template <class T>
inline void conv_axpy_strided(T* y, const T* x, T a, std::size_t n, std::size_t stride) {
    for (std::size_t i = 0; i < n; ++i) y[i] += a * x[i * stride];
}

// Output positions o in [lo, hi) whose input index o*stride + tap*dil - pad lies in [0, in); first
// is the input index of o = lo.
struct clipped_range {
    std::size_t lo, hi, first;
};
inline clipped_range clip_taps(std::size_t in, std::size_t out, std::size_t tap, std::size_t stride,
                               std::size_t pad, std::size_t dil) {
    const std::size_t shift = tap * dil;  // input index = o*stride + shift - pad
    // lo: smallest o with o*stride + shift >= pad
    std::size_t lo = shift >= pad ? 0 : (pad - shift + stride - 1) / stride;
    // hi: one past the largest o with o*stride + shift - pad <= in - 1
    std::size_t hi = 0;
    if (in + pad > shift) hi = std::min(out, (in + pad - shift - 1) / stride + 1);
    lo = std::min(lo, hi);
    return {lo, hi, lo * stride + shift - pad};  // only used when lo < hi, where it is >= 0
}

}  // namespace conv_detail

template <class T>
void conv2d_forward_cpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    p.validate();
    const std::size_t P = p.P(), Q = p.Q();
    const std::size_t Cg = p.C / p.groups, Kg = p.K / p.groups;
    const std::size_t RS = p.R * p.S;

    // Column clipping depends only on s; row clipping on (output row, r).
    std::vector<conv_detail::clipped_range> cols(p.S);
    for (std::size_t s = 0; s < p.S; ++s) cols[s] = conv_detail::clip_taps(p.W, Q, s, p.stride_w, p.pad_w, p.dil_w);
    std::vector<conv_detail::clipped_range> rows(p.R);
    for (std::size_t r = 0; r < p.R; ++r) rows[r] = conv_detail::clip_taps(p.H, P, r, p.stride_h, p.pad_h, p.dil_h);

    for (std::size_t n = 0; n < p.N; ++n)
        for (std::size_t k = 0; k < p.K; ++k) {
            const std::size_t g = k / Kg;
            const T* xg = x + (n * p.C + g * Cg) * p.H * p.W;  // first input channel of the group
            const T* wk = w + k * Cg * RS;
            const T b = bias ? bias[k] : T(0);
            for (std::size_t oh = 0; oh < P; ++oh) {
                T* yrow = y + ((n * p.K + k) * P + oh) * Q;
                std::fill(yrow, yrow + Q, b);
                for (std::size_t r = 0; r < p.R; ++r) {
                    if (oh < rows[r].lo || oh >= rows[r].hi) continue;  // this tap's input row is padding
                    const std::size_t ih = rows[r].first + (oh - rows[r].lo) * p.stride_h;
                    for (std::size_t c = 0; c < Cg; ++c) {
                        const T* xrow = xg + (c * p.H + ih) * p.W;
                        const T* wr = wk + c * RS + r * p.S;
                        for (std::size_t s = 0; s < p.S; ++s) {
                            const conv_detail::clipped_range& cr = cols[s];
                            if (cr.lo >= cr.hi) continue;
                            if (p.stride_w == 1)
                                conv_detail::conv_axpy(yrow + cr.lo, xrow + cr.first, wr[s], cr.hi - cr.lo);
                            else
                                conv_detail::conv_axpy_strided(yrow + cr.lo, xrow + cr.first, wr[s],
                                                               cr.hi - cr.lo, p.stride_w);
                        }
                    }
                }
            }
        }
}

// ---------------------------------------------------------------------------------------------
// gpu kernel: defined in cuda/kiln/gpu/conv2d.hpp (included at the end of this file when the build
// has a gpu backend). x, w, bias and y are gpu-tag (device) pointers.
#if KILN_HAS_GPU_BACKEND
template <class T>
void conv2d_forward_gpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y);
#endif

// Dispatch on the device tag; the pointers must live in that device's memory.
template <Device D, class T>
void conv2d_forward(D ctx, const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    if constexpr (std::is_same_v<D, cpu>) {
        (void)ctx;
        conv2d_forward_cpu(p, x, w, bias, y);
    } else {
#if KILN_HAS_GPU_BACKEND
        gpu_detail::select_device(ctx);
        conv2d_forward_gpu(p, x, w, bias, y);
#else
        static_assert(!std::is_same_v<D, gpu>,
                      "kiln: this build has no gpu backend, so conv2d cannot run on the gpu tag; configure with "
                      "-Dgpu_backend=thrust-cpp (runs on the host), thrust-omp, or cuda (nvcc)");
#endif
    }
}

}  // namespace kiln::nn::kernels

#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/conv2d.hpp>
#endif
