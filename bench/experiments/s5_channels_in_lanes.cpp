// bench/experiments/s5_channels_in_lanes.cpp: W2 S5 ((1, 3, 224x224) -> 64, 7x7, stride 2, pad 3) with
// the other micro-kernel orientation, to find out whether it would beat kiln's (not part of the build,
// not part of kiln).
//
// kiln's direct convolution (include/kiln/nn/conv/direct.hpp) puts output pixels in the lanes: per tap,
// 6 output channels' weights are broadcast and 2 vectors of staged input are loaded, 12 FMAs. Here the
// output channels are in the lanes, as in oneDNN's AVX2 direct kernel: per tap, NP consecutive output
// pixels' inputs are broadcast and KV vectors of packed weights (layout [K/(8 KV)][tap][8 KV]) are read,
// NP x KV FMAs; each finished output row ([112][64], pixel-major) is transposed into NCHW by 8x8 blocks.
//   default: the weight vectors are loaded into registers (NP broadcasts + KV loads per tap);
//   -DMEMOP: every FMA reads its weight vector from memory (NP broadcasts + NP*KV memory operands:
//            fewer instructions, more loads).
// Timed without the staged copy (stage=0) and with it (stage=1); the best of 400 calls.
//
//   g++ -O3 -march=native -std=c++20 -Wall -Wextra -Wno-restrict -DXTENSOR_USE_XSIMD -Iinclude
//       [-DNP=3 -DKV=4] [-DMEMOP] -o s5x bench/experiments/s5_channels_in_lanes.cpp    (repository root)
// (-Wno-restrict: g++ 12's false positive at -O3, GCC PR 105329, as in bench/meson.build.)
//
// The staged copy (conv_detail::stage_channels), the 8x8 transpose (conv_detail::vec<float>::transpose)
// and the check (kernels::conv2d_reference, every output) are kiln's own; only the tile loop is new.
//
// Measured on the 2-core AMD EPYC Zen 3 host (docs/performance.md, "CPU (issue 4)", 2026-12-07 fourth
// session), the best of 400 calls in each of 3-6 rounds alternated with bench_conv_kiln and
// bench_conv_dnnl (fastest of 20 repetitions), without / with the staged copy:
//   NP=3 KV=4 2.49-2.62 / 2.56-2.68 ms; NP=2 KV=4 2.45-2.50 / 2.52-2.63; NP=4 KV=2 2.52-2.57 /
//   2.58-2.62; NP=5 KV=2 2.54-2.59 / 2.61-2.65; NP=6 KV=2 5.5 (spills); -DMEMOP 3.36-3.40 / 3.41-3.53.
// kiln's S5 (staging included) 2.51-2.59 ms in the quiet rounds; oneDNN's direct 2.39-2.40. So this
// orientation matches kiln's on AVX2 and does not reach oneDNN either.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include <kiln/nn/conv2d_kernels.hpp>

#if !defined(__AVX2__) || !defined(__FMA__)
#error "this experiment is written with AVX2 + FMA intrinsics: build it with -march=native on such a machine"
#endif
#ifndef NP
#define NP 3
#endif
#ifndef KV
#define KV 4
#endif
static_assert(NP >= 1 && NP <= 6, "NP: 1 to 6 output pixels per tile");

namespace {
namespace cd = kiln::nn::kernels::conv_detail;
using V = cd::vec<float>;
static_assert(V::L == 8, "the tiles below are written for 8-float vectors (AVX2)");

constexpr int C = 3, H = 224, W = 224, K = 64, R = 7, S = 7, P = 112, Q = 112, PAD = 3, TAPS = C * R * S;
// kiln's staged layout for stride 2: per channel two zero-padded planes of Hs x Ws, by column phase
constexpr int Hs = H + 2 * PAD, Ws = (W + 2 * PAD + 1) / 2, plane = Hs * Ws, chan = 2 * plane;
constexpr int KB = KV * 8;  // output channels per tile
static_assert(K % KB == 0, "KV must divide the 8 vectors of output channels");

void pack(const float* w, float* wp) {
    for (int kb = 0; kb < K / KB; ++kb)
        for (int t = 0; t < TAPS; ++t)
            for (int k = 0; k < KB; ++k) wp[(kb * TAPS + t) * KB + k] = w[(kb * KB + k) * TAPS + t];
}

template <int N>
inline __attribute__((always_inline)) void tile(const float* xb, const int* off, const float* wp, const float* bias,
                                                float* yb) {
    __m256 acc[N][KV];
    for (int v = 0; v < KV; ++v) {
        const __m256 b = _mm256_loadu_ps(bias + v * 8);
        for (int p = 0; p < N; ++p) acc[p][v] = b;
    }
    const float* wq = wp;
#pragma GCC unroll 4
    for (int t = 0; t < TAPS; ++t, wq += KB) {
        const float* xp = xb + off[t];
#ifdef MEMOP
#pragma GCC unroll 8
        for (int p = 0; p < N; ++p) {
            const __m256 av = _mm256_broadcast_ss(xp + p);
#pragma GCC unroll 8
            for (int v = 0; v < KV; ++v) {
                // An empty asm hides that the pixels read the same weights, so each FMA loads its own
                // (g++ folds the load into the FMA's memory operand).
                const float* wv = wq + v * 8;
                asm volatile("" : "+r"(wv));
                acc[p][v] = _mm256_fmadd_ps(av, _mm256_load_ps(wv), acc[p][v]);
            }
        }
#else
        __m256 a[N];
#pragma GCC unroll 8
        for (int p = 0; p < N; ++p) a[p] = _mm256_broadcast_ss(xp + p);
#pragma GCC unroll 8
        for (int v = 0; v < KV; ++v) {
            const __m256 wv = _mm256_load_ps(wq + v * 8);
#pragma GCC unroll 8
            for (int p = 0; p < N; ++p) acc[p][v] = _mm256_fmadd_ps(a[p], wv, acc[p][v]);
        }
#endif
    }
    for (int p = 0; p < N; ++p)
        for (int v = 0; v < KV; ++v) _mm256_storeu_ps(yb + p * K + v * 8, acc[p][v]);
}

// The [Q][K] row buffer's 8 x 8 block at (o0, k0) into y's rows k0..k0+7 (NCHW), columns o0..o0+7.
void store_block(const float* yb, float* y, int oh, int o0, int k0) {
    V::B r[8];
    for (int i = 0; i < 8; ++i) r[i] = V::load(yb + (o0 + i) * K + k0);
    V::transpose(r);
    for (int i = 0; i < 8; ++i) V::store(y + ((k0 + i) * P + oh) * Q + o0, r[i]);
}

void conv(const float* x, const float* wp, const float* bias, float* y, float* xs, float* yb, bool do_stage) {
    if (do_stage) cd::stage_channels(x, xs, 0, C, H, W, PAD, PAD, 2, Hs, Ws);
    int off[TAPS];
    for (int c = 0; c < C; ++c)
        for (int r = 0; r < R; ++r)
            for (int s = 0; s < S; ++s) off[(c * R + r) * S + s] = c * chan + (s % 2) * plane + r * Ws + s / 2;
    for (int oh = 0; oh < P; ++oh) {
        const float* xrow = xs + oh * 2 * Ws;
        for (int kb = 0; kb < K / KB; ++kb) {
            const float* w = wp + kb * TAPS * KB;
            const float* b = bias + kb * KB;
            int ow = 0;
            for (; ow + NP <= Q; ow += NP) tile<NP>(xrow + ow, off, w, b, yb + ow * K + kb * KB);
            switch (Q - ow) {
                case 1: tile<1>(xrow + ow, off, w, b, yb + ow * K + kb * KB); break;
                case 2: tile<2>(xrow + ow, off, w, b, yb + ow * K + kb * KB); break;
                case 3: tile<3>(xrow + ow, off, w, b, yb + ow * K + kb * KB); break;
                case 4: tile<4>(xrow + ow, off, w, b, yb + ow * K + kb * KB); break;
                case 5: tile<5>(xrow + ow, off, w, b, yb + ow * K + kb * KB); break;
                default: break;
            }
        }
        for (int k0 = 0; k0 < K; k0 += 8)
            for (int o0 = 0; o0 < Q; o0 += 8) store_block(yb, y, oh, o0, k0);
    }
}

float* aligned64(std::vector<float>& v) {
    return reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(v.data()) + 63) & ~std::uintptr_t(63));
}
}  // namespace

int main() {
    std::mt19937 gen(1);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> x(C * H * W), w(K * TAPS), bias(K), wpv(K * TAPS + 16), y(K * P * Q), ref(K * P * Q),
        xs(C * chan), ybv(Q * K + 16);
    for (auto& v : x) v = u(gen);
    for (auto& v : w) v = u(gen);
    for (auto& v : bias) v = u(gen);
    float* wp = aligned64(wpv);
    float* yb = aligned64(ybv);
    pack(w.data(), wp);
    conv(x.data(), wp, bias.data(), y.data(), xs.data(), yb, true);
    kiln::nn::kernels::conv2d_params p{1, C, H, W, K, R, S};
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = PAD;
    kiln::nn::kernels::conv2d_reference(p, x.data(), w.data(), bias.data(), ref.data());
    double max_err = 0;
    for (std::size_t i = 0; i < y.size(); ++i) max_err = std::max(max_err, double(std::fabs(y[i] - ref[i])));
    std::printf("NP=%d KV=%d%s: max abs error against conv2d_reference %.3g\n", NP, KV,
#ifdef MEMOP
                " MEMOP",
#else
                "",
#endif
                max_err);
    if (max_err > 1e-3) return 1;
    for (int round = 0; round < 3; ++round)
        for (int st = 1; st >= 0; --st) {
            double best = 1e9;
            for (int rep = 0; rep < 400; ++rep) {
                const auto t0 = std::chrono::steady_clock::now();
                conv(x.data(), wp, bias.data(), y.data(), xs.data(), yb, st);
                best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
            }
            std::printf("stage=%d best %.3f ms\n", st, best);
        }
}
