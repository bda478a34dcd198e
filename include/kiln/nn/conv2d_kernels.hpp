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
// Implementations sharing conv2d_params:
//   conv2d_reference    plain loops with double accumulation, host memory: the ground truth for tests
//   conv2d_forward_cpu  host memory; one of the cpu algorithms below, chosen by conv2d_params::algo
//   conv2d_forward_gpu  gpu-tag memory; one Thrust transform, one thread per output element
//                       (cuda/kiln/gpu/conv2d.hpp; only with a gpu backend)
//   conv2d_prepare_cpu / conv2d_forward_cpu(p, x, conv2d_prepared, ...)
//                       host memory, weights prepared once (copied, and Winograd-transformed when
//                       that is the algorithm): the same values without the per-call transform
// conv2d_forward<F>(ctx, ...) picks one from the device tag; F (conv2d_static, conv/params.hpp: what
// is known at compile time, nothing by default) narrows what the cpu side compiles to the algorithms
// and micro-kernel tiles the automatic choice can reach (conv2d_forward_cpu_known; nn::Conv2D passes
// its settings). Every entry point calls validate() first.
//
// cpu algorithms (conv2d_algo; `automatic` picks with conv2d_choose_algo, see there):
//   direct    implicit GEMM (conv/direct.hpp): tiles of up to 6 output channels x 4 vectors of one
//             output row accumulate in registers over all (c, r, s) taps with fused multiply-adds
//             (conv/microkernel.hpp); weights read in place, input read in place or, with padding or
//             stride_w > 1, from a zero-padded copy split by column phase. Every shape.
//   stream    the same kernel tiled for few output channels (all K/groups at once, up to 8 vectors):
//             one streaming pass over the input, nothing copied. No padding, stride_w 1.
//   winograd  F(4x4, 3x3) (conv/winograd.hpp): 36 GEMMs on transformed 4x4 output tiles, 4x fewer
//             multiplications; tile-vectorised transforms for wide images with fewer than 64
//             channels, channel-vectorised ones otherwise. 3x3, stride 1, dilation 1, groups 1.
//   reference conv2d_reference.
// All accumulate in T (float or double). Work is cut into parallel blocks (kiln::parallel_for) that
// depend only on the shape, and every output element is computed by one block in a fixed order, so
// results are bit-identical for any number of threads. Scratch memory comes from a per-thread cache
// (conv/scratch.hpp); nothing is kept between calls except that cached memory.
//
// Rounding (measured against conv2d_reference, inputs and weights uniform in [-1, 1], weights scaled
// by 1/sqrt(C*9), 4..512 channels; error = |y - ref| / max over the output plane of sum |w x| + |b|):
//   direct / stream  float <= 3e-7, double <= 1e-15 (a plain dot product)
//   winograd         float <= 3e-6, double <= 5e-15; relative to |ref| itself (as max(|ref|, 1))
//                    float up to ~2e-5 at 512 channels (direct: ~2e-6). An output's Winograd error
//                    follows the magnitude of its whole 6x6 input window, not of its own terms.
// SIMD: kiln::simd::batch<T> (the build's xsimd architecture); with AVX-512 the fused multiply-add,
// masked loads/stores, gathers/scatters and lane permutations use intrinsics (conv/simd_ops.hpp),
// elsewhere portable xsimd and scalar code computes the same values.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../device.hpp"
#include "../shape.hpp"
#include "conv/direct.hpp"
#include "conv/params.hpp"
#include "conv/winograd.hpp"

#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/buffer.hpp>  // gpu_detail::select_device
#endif

namespace kiln::nn::kernels {

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
// cpu kernels (conv/direct.hpp, conv/winograd.hpp). conv2d_algo_accepts says which algorithms can
// compute a shape; conv2d_choose_algo is what `automatic` runs.

// Whether algorithm a can compute the (valid) convolution p.
inline bool conv2d_algo_accepts(const conv2d_params& p, conv2d_algo a) {
    switch (a) {
        case conv2d_algo::automatic:
        case conv2d_algo::reference:
        case conv2d_algo::direct: return true;
        case conv2d_algo::winograd:
            return p.R == 3 && p.S == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dil_h == 1 && p.dil_w == 1 &&
                   p.groups == 1;
        case conv2d_algo::stream: return p.pad_h == 0 && p.pad_w == 0 && p.stride_w == 1;
    }
    return false;
}

// The algorithm `automatic` runs for p (never automatic or reference):
//   winograd  3x3, stride 1, dilation 1, groups 1, with at least 16 input and 16 output channels
//             (enough channels for the GEMMs to dominate the transforms);
//   stream    at most 4 output channels per group, no padding, stride_w 1 (memory-bound: one pass
//             over the input, e.g. the tutorial's 8 -> 1 channel 3x3);
//   direct    everything else.
inline conv2d_algo conv2d_choose_algo(const conv2d_params& p) {
    if (conv2d_algo_accepts(p, conv2d_algo::winograd) && p.C >= 16 && p.K >= 16) return conv2d_algo::winograd;
    if (conv2d_algo_accepts(p, conv2d_algo::stream) && p.groups && p.K / p.groups <= 4) return conv2d_algo::stream;
    return conv2d_algo::direct;
}

namespace conv_detail {
// Runs algorithm a (never automatic) on the valid, non-empty convolution p. Only the algorithms F
// leaves possible are compiled (the reference only when nothing is known: the automatic choice
// never picks it); asking for another one is an internal error.
template <conv2d_static F, class T>
void run_algo(conv2d_algo a, const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    switch (a) {
        case conv2d_algo::reference:
            if constexpr (F.nothing_known()) return conv2d_reference(p, x, w, bias, y);
            break;
        case conv2d_algo::winograd:
            if constexpr (F.may_winograd()) return conv_winograd(p, x, w, bias, y);
            break;
        case conv2d_algo::stream:
            if constexpr (F.may_stream()) return conv_direct<T, F>(p, x, w, bias, y, true);
            break;
        case conv2d_algo::direct:
            if constexpr (F.may_direct()) return conv_direct<T, F>(p, x, w, bias, y, false);
            break;
        case conv2d_algo::automatic: break;
    }
    throw std::logic_error(std::string("kiln: internal error: conv2d algorithm ") + algo_name(a) +
                           " was not compiled for this convolution (conv2d_static rules it out)");
}
}  // namespace conv_detail

namespace conv_detail {
// Validates p and returns the algorithm conv2d_forward_cpu runs for it (p.algo, or the automatic
// choice); throws kiln::shape_error when p.algo does not accept p.
inline conv2d_algo checked_algo(const conv2d_params& p) {
    p.validate();
    const conv2d_algo a = p.algo;
    if (!conv2d_algo_accepts(p, a))
        throw shape_error(std::string("kiln: conv2d algorithm ") + algo_name(a) +
                          " does not accept this convolution (kernel " + std::to_string(p.R) + "x" +
                          std::to_string(p.S) + ", stride (" + std::to_string(p.stride_h) + ", " +
                          std::to_string(p.stride_w) + "), padding (" + std::to_string(p.pad_h) + ", " +
                          std::to_string(p.pad_w) + "), dilation (" + std::to_string(p.dil_h) + ", " +
                          std::to_string(p.dil_w) + "), groups " + std::to_string(p.groups) + ")");
    return a == conv2d_algo::automatic ? conv2d_choose_algo(p) : a;
}
}  // namespace conv_detail

template <class T>
void conv2d_forward_cpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    const conv2d_algo a = conv_detail::checked_algo(p);
    if (p.y_size() == 0) return;
    conv_detail::run_algo<conv2d_static{}>(a, p, x, w, bias, y);
}

// ---------------------------------------------------------------------------------------------
// Prepared weights (cpu): for inference, where the same weights serve many calls.
//
// conv2d_forward_cpu transforms the weights on every call when its algorithm reads them in another
// layout: Winograd's U = G g G^T (36 values per 9 weights; on (1, 512, 14x14) -> 512 that is about a
// third of the call). conv2d_prepare does it once: it copies the weights (later changes to w do not
// reach the prepared object) and, when the algorithm p selects is Winograd, stores their transform
// in the layout that algorithm reads. conv2d_forward_cpu(p, x, prepared, bias, y) then computes the
// same bits as conv2d_forward_cpu(p, x, w, bias, y) did with the weights it was prepared from, for
// any p whose weight shape (K, C/groups, R, S) and groups match (batch, image size, padding, stride
// and algorithm may differ: an algorithm other than Winograd, or Winograd on weights prepared for
// another algorithm, reads the copy as conv2d_forward_cpu reads w). A mismatched p is a
// kiln::shape_error naming both shapes. Immutable once made, so threads may share it.
template <class T>
class conv2d_prepared {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");

public:
    // The weight shape (K, C/groups, R, S) and group count it was prepared for.
    std::array<std::size_t, 4> weight_shape() const { return {K_, Cg_, R_, S_}; }
    std::size_t groups() const { return groups_; }
    // Whether it holds the Winograd transform (what conv2d_forward_cpu runs on it without
    // transforming anything), and the bytes it holds in all (the copy plus the transform).
    bool transformed() const { return !u_.empty(); }
    std::size_t bytes() const { return (w_.size() + u_.size()) * sizeof(T); }

    // The copied weights, (K, C/groups, R, S) row-major.
    const T* weights() const { return w_.data(); }

    // Throws kiln::shape_error unless p's weight shape and groups are the prepared ones.
    void check(const conv2d_params& p) const {
        const std::size_t cg = p.groups ? p.C / p.groups : 0;
        if (p.K == K_ && cg == Cg_ && p.R == R_ && p.S == S_ && p.groups == groups_) return;
        auto shape4 = [](std::size_t a, std::size_t b, std::size_t c, std::size_t d) {
            return "(" + std::to_string(a) + ", " + std::to_string(b) + ", " + std::to_string(c) + ", " +
                   std::to_string(d) + ")";
        };
        throw shape_error("kiln: conv2d: the prepared weights are " + shape4(K_, Cg_, R_, S_) + " with " +
                          std::to_string(groups_) + " group(s), but this convolution needs weights (K, C/groups, "
                          "R, S) = " + shape4(p.K, cg, p.R, p.S) + " with " + std::to_string(p.groups) +
                          " group(s)");
    }

    // The Winograd transform (conv_detail::wino_prepare's layout), or null.
    const T* transform() const { return u_.empty() ? nullptr : u_.data(); }

private:
    template <class U>
    friend conv2d_prepared<U> conv2d_prepare_cpu(const conv2d_params& p, const U* w);
    using buffer = std::vector<T, xsimd::aligned_allocator<T, 64>>;

    std::size_t K_ = 0, Cg_ = 0, R_ = 0, S_ = 0, groups_ = 0;
    buffer w_, u_;
};

// Prepares the weights w ((K, C/groups, R, S), host memory) of the convolution p for repeated
// conv2d_forward_cpu calls; validates p first (kiln::shape_error). Uses the kiln thread pool.
template <class T>
conv2d_prepared<T> conv2d_prepare_cpu(const conv2d_params& p, const T* w) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    const conv2d_algo a = conv_detail::checked_algo(p);
    conv2d_prepared<T> out;
    out.K_ = p.K, out.Cg_ = p.C / p.groups, out.R_ = p.R, out.S_ = p.S, out.groups_ = p.groups;
    out.w_.assign(w, w + p.w_size());
    if (a == conv2d_algo::winograd && p.K > 0 && p.C > 0) {
        out.u_.resize(conv_detail::wino_u_layout_of<T>(p.C, p.K).size);
        conv_detail::wino_prepare(p.C, p.K, out.w_.data(), out.u_.data());
    }
    return out;
}

// conv2d_forward_cpu on prepared weights (see conv2d_prepared): the same values as on the weights
// they were prepared from. Throws kiln::shape_error, before anything is written, when p is invalid
// or its weight shape is not the prepared one.
template <class T>
void conv2d_forward_cpu(const conv2d_params& p, const T* x, const conv2d_prepared<T>& w, const T* bias, T* y) {
    const conv2d_algo a = conv_detail::checked_algo(p);
    w.check(p);
    if (p.y_size() == 0) return;
    if (a == conv2d_algo::winograd && w.transformed())
        return conv_detail::conv_winograd(p, x, w.weights(), bias, y, conv_detail::wino_layout::automatic,
                                          w.transform());
    conv_detail::run_algo<conv2d_static{}>(a, p, x, w.weights(), bias, y);
}


// conv2d_forward_cpu for a convolution of which F is known at compile time (nn::Conv2D's settings):
// runs the algorithm `automatic` runs, so the same values, but compiles only the algorithms and
// micro-kernel tiles that can be chosen for F (e.g. a 3x3 Conv2D with 1 output channel compiles the
// stream path with 8 tiles, instead of every algorithm with 39). p.algo must be automatic.
template <conv2d_static F, class T>
void conv2d_forward_cpu_known(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
#ifdef KILN_SEPARATE_KERNELS
    conv_detail::check_static(F, p);
    conv2d_forward_cpu(p, x, w, bias, y);  // the full set, compiled once elsewhere
#else
    if constexpr (F.nothing_known()) {
        conv2d_forward_cpu(p, x, w, bias, y);
    } else {
        static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
        p.validate();
        conv_detail::check_static(F, p);
        if (p.y_size() == 0) return;
        conv_detail::run_algo<F>(conv2d_choose_algo(p), p, x, w, bias, y);
    }
#endif
}

#ifdef KILN_SEPARATE_KERNELS
// Separately compiled cpu kernels (opt-in). The conv algorithms are the largest code kiln generates:
// all of them cost about 2.3 s of g++ -O2 in a file that calls conv2d_forward_cpu (a Conv2D compiles
// only the part its settings allow). With -DKILN_SEPARATE_KERNELS on every file of a program,
// files only declare them, and exactly one file includes <kiln/separate_kernels.hpp>, which
// instantiates them once (forgetting that file is a link error naming conv2d_forward_cpu). Nothing
// else changes: same code, same results (a Conv2D then calls the full set).
extern template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
extern template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const double*, const double*,
                                                double*);
extern template conv2d_prepared<float> conv2d_prepare_cpu<float>(const conv2d_params&, const float*);
extern template conv2d_prepared<double> conv2d_prepare_cpu<double>(const conv2d_params&, const double*);
extern template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const conv2d_prepared<float>&,
                                               const float*, float*);
extern template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const conv2d_prepared<double>&,
                                                const double*, double*);
#endif

// ---------------------------------------------------------------------------------------------
// gpu kernel: defined in cuda/kiln/gpu/conv2d.hpp (included at the end of this file when the build
// has a gpu backend). x, w, bias and y are gpu-tag (device) pointers.
#if KILN_HAS_GPU_BACKEND
template <class T>
void conv2d_forward_gpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y);
#endif

// Dispatch on the device tag; the pointers must live in that device's memory. F: what is known at
// compile time (see conv2d_static; nothing by default), which narrows what the cpu side compiles.
template <conv2d_static F = conv2d_static{}, Device D, class T>
void conv2d_forward(D ctx, const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    if constexpr (std::is_same_v<D, cpu>) {
        (void)ctx;
        conv2d_forward_cpu_known<F>(p, x, w, bias, y);
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

// Prepared weights on a device tag: the cpu only (the gpu kernel reads the raw weights, so there is
// nothing to prepare there).
template <Device D, class T>
conv2d_prepared<T> conv2d_prepare(D, const conv2d_params& p, const T* w) {
    static_assert(std::is_same_v<D, cpu>,
                  "kiln: conv2d_prepare is for the cpu tag: the gpu kernel reads the weights as they are, so "
                  "pass them to conv2d_forward directly");
    return conv2d_prepare_cpu(p, w);
}

template <Device D, class T>
void conv2d_forward(D, const conv2d_params& p, const T* x, const conv2d_prepared<T>& w, const T* bias, T* y) {
    static_assert(std::is_same_v<D, cpu>,
                  "kiln: prepared conv2d weights live in host memory and run on the cpu tag; on the gpu tag, "
                  "pass the weights to conv2d_forward directly");
    conv2d_forward_cpu(p, x, w, bias, y);
}

}  // namespace kiln::nn::kernels

#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/conv2d.hpp>
#endif
