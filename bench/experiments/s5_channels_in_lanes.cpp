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
// Timed without the staged copy (stage=0) and with a plain one (stage=1); the best of 400 calls.
//
//   g++ -O3 -march=native -std=c++20 -Wall -Wextra [-DNP=3 -DKV=4] [-DMEMOP] -o s5x s5_channels_in_lanes.cpp
//
// Measured on the 2-core AMD EPYC Zen 3 host (docs/performance.md, "CPU (issue 4)", 2026-12-07 fourth
// session), the best of 400 calls in each of three alternated rounds, without / with the staged copy:
//   NP=3 KV=4 2.52 / 2.67-2.73 ms; NP=4 KV=2 2.56-2.64 / 2.65-2.73; NP=5 KV=2 2.53-2.72 / 2.60-2.75;
//   NP=2 KV=4 about 3.0 and NP=6 KV=2 6.4 (too few accumulators / spills); -DMEMOP 3.36-3.50 / 3.45
//   (4.7-4.9 with weights not 64-byte aligned: loads split across cache lines).
// In the same rounds (bench_conv_kiln / bench_conv_dnnl, fastest of 20 repetitions): kiln's S5, staging
// included, 2.57 ms; oneDNN's direct 2.39-2.42. So this orientation is not faster than kiln's on AVX2.
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#if !defined(__AVX2__) || !defined(__FMA__)
#error "this experiment is written with AVX2 + FMA intrinsics: build it with -march=native on such a machine"
#endif
#ifndef NP
#define NP 3
#endif
#ifndef KV
#define KV 4
#endif

namespace {
constexpr int C = 3, H = 224, W = 224, K = 64, R = 7, S = 7, P = 112, Q = 112, PAD = 3, TAPS = C * R * S;
constexpr int Hs = H + 2 * PAD, Ws = (W + 2 * PAD + 1) / 2 + 8, plane = Hs * Ws, chan = 2 * plane;
constexpr int KB = KV * 8;  // output channels per tile
static_assert(K % KB == 0, "KV must divide the 8 vectors of output channels");

// Zero-padded planes split by column phase (as kiln's staged layout).
void stage(const float* x, float* xs) {
    std::memset(xs, 0, sizeof(float) * C * chan);
    for (int c = 0; c < C; ++c)
        for (int q = 0; q < 2; ++q)
            for (int i = 0; i < H; ++i) {
                float* d = xs + c * chan + q * plane + (i + PAD) * Ws;
                const float* s = x + (c * H + i) * W;
                for (int j = 0; j < Ws; ++j) {
                    const int col = j * 2 + q - PAD;
                    if (col >= 0 && col < W) d[j] = s[col];
                }
            }
}

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
            for (int v = 0; v < KV; ++v)
                asm("vfmadd231ps %2, %1, %0" : "+x"(acc[p][v]) : "x"(av), "m"(*reinterpret_cast<const __m256*>(wq + v * 8)));
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

void transpose8(const float* src, int ss, float* dst, int ds) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ss);
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    const __m256 o[8] = {_mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
                         _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
                         _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
                         _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
    for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + i * ds, o[i]);
}

void conv(const float* x, const float* wp, const float* bias, float* y, float* xs, float* yb, bool do_stage) {
    if (do_stage) stage(x, xs);
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
            for (int o0 = 0; o0 < Q; o0 += 8) transpose8(yb + o0 * K + k0, K, y + (k0 * P + oh) * Q + o0, P * Q);
    }
}

float* aligned64(std::vector<float>& v) {
    return reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(v.data()) + 63) & ~std::uintptr_t(63));
}
}  // namespace

int main() {
    static_assert(NP >= 1 && NP <= 6, "NP: 1 to 6 output pixels per tile");
    std::mt19937 gen(1);
    std::uniform_real_distribution<float> u(-1, 1);
    std::vector<float> x(C * H * W), w(K * TAPS), bias(K), wpv(K * TAPS + 16), y(K * P * Q), xs(C * chan + 64),
        ybv(Q * K + 16);
    for (auto& v : x) v = u(gen);
    for (auto& v : w) v = u(gen);
    for (auto& v : bias) v = u(gen);
    float* wp = aligned64(wpv);
    float* yb = aligned64(ybv);
    pack(w.data(), wp);
    conv(x.data(), wp, bias.data(), y.data(), xs.data(), yb, true);
    double max_err = 0;  // against a double-precision direct sum, on every 7th channel and 5th row
    for (int k = 0; k < K; k += 7)
        for (int oh = 0; oh < P; oh += 5)
            for (int ow = 0; ow < Q; ++ow) {
                double s = bias[k];
                for (int c = 0; c < C; ++c)
                    for (int r = 0; r < R; ++r)
                        for (int q = 0; q < S; ++q) {
                            const int ih = oh * 2 + r - PAD, iw = ow * 2 + q - PAD;
                            if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                                s += double(x[(c * H + ih) * W + iw]) * w[((k * C + c) * R + r) * S + q];
                        }
                max_err = std::max(max_err, std::fabs(s - y[(k * P + oh) * Q + ow]));
            }
    std::printf("NP=%d KV=%d%s: max abs error %.3g\n", NP, KV,
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
