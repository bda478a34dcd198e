// kiln/nn/conv/simd_ops.hpp: the handful of vector operations the cpu convolution kernels need, on
// kiln::simd::batch<T> (the compiled-in xsimd architecture). Each has a portable definition (plain
// xsimd, vectors built lane by lane in registers) and, where it matters for speed, an AVX-512, AVX2,
// SSE2 or FMA intrinsic version. Loads are not built by storing lanes to memory and loading the
// vector back (except load_n_lean, on purpose): that costs a store-to-load forwarding stall per
// vector (on AVX2 it made Winograd's input transform half of S4's time; on SSE2, half of the
// gather-based input transform's):
//
//   fma(a, b, c)                 a*b + c, one fused instruction where the target has FMA (xsimd 8.1's
//                                xsimd::fma is not fused on AVX2/AVX-512, and clang does not contract it)
//   load_n(p, n), store_n(p, v, n)    lanes [0, n) only; the others read as 0 / are left untouched
//   gather(p, idx, n), scatter(p, idx, v, n)    lane l at p[l*stride], lanes [0, n)
//
// Host code only (never compiled for a CUDA device).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../../third_party/xsimd.hpp"

namespace kiln::nn::kernels::conv_detail {

#if defined(__AVX512F__)
#define KILN_CONV_AVX512 1
#else
#define KILN_CONV_AVX512 0
#endif
#if defined(__AVX2__)
#define KILN_CONV_AVX2 1
#else
#define KILN_CONV_AVX2 0
#endif
#if defined(__SSE2__)
#define KILN_CONV_SSE2 1
#else
#define KILN_CONV_SSE2 0
#endif

#if KILN_CONV_AVX2
// 8 all-ones 32-bit words, then 8 zero words: the 8 words from (avx2_ones + 8 - n) set the first n.
alignas(64) inline constexpr std::int32_t avx2_ones[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
#endif

template <class T>
struct vec {
    using B = simd::batch<T>;
    static constexpr std::size_t L = B::size;
#if KILN_CONV_AVX512
    static constexpr bool avx512 = sizeof(B) == 64;
#else
    static constexpr bool avx512 = false;
#endif
#if KILN_CONV_AVX2
    static constexpr bool avx2 = sizeof(B) == 32;
#else
    static constexpr bool avx2 = false;
#endif
#if KILN_CONV_SSE2
    static constexpr bool sse2 = sizeof(B) == 16;  // x86 128-bit registers (plain x86-64 builds)
#else
    static constexpr bool sse2 = false;
#endif
#if defined(__FMA__)
    static constexpr bool fma3 = true;
#else
    static constexpr bool fma3 = false;
#endif

    static B load(const T* p) { return B::load_unaligned(p); }

    // The vector whose lane i is f(i), built in registers (B{...}: the target's "set" instruction
    // sequence). The portable forms below use it instead of filling an array and loading it, which
    // would stall on store-to-load forwarding (narrow stores, then one wide load).
    template <class F, std::size_t... I>
    static B from_lanes_impl(F&& f, std::index_sequence<I...>) {
        return B{f(I)...};
    }
    template <class F>
    static B from_lanes(F&& f) {
        return from_lanes_impl(f, std::make_index_sequence<L>{});
    }
    static void store(T* p, const B& v) { v.store_unaligned(p); }
    static B bcast(T v) { return B(v); }
    static B zero() { return B(T(0)); }

    static B fma(const B& a, const B& b, const B& c) {
        if constexpr (sizeof(B) == 64 && KILN_CONV_AVX512) {
#if KILN_CONV_AVX512
            if constexpr (std::is_same_v<T, float>)
                return B(_mm512_fmadd_ps(a, b, c));
            else
                return B(_mm512_fmadd_pd(a, b, c));
#endif
        } else if constexpr (sizeof(B) == 32 && fma3) {
#if defined(__FMA__)
            if constexpr (std::is_same_v<T, float>)
                return B(_mm256_fmadd_ps(a, b, c));
            else
                return B(_mm256_fmadd_pd(a, b, c));
#endif
        } else if constexpr (sizeof(B) == 16 && fma3) {
#if defined(__FMA__)
            if constexpr (std::is_same_v<T, float>)
                return B(_mm_fmadd_ps(a, b, c));
            else
                return B(_mm_fmadd_pd(a, b, c));
#endif
        } else {
            return a * b + c;
        }
    }

#if KILN_CONV_AVX512
    // the mask of lanes [0, n)
    static auto mask(std::size_t n) {
        if constexpr (L == 16)
            return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1u);
        else
            return static_cast<__mmask8>(n >= 8 ? 0xFFu : (1u << n) - 1u);
    }
#endif

#if KILN_CONV_AVX2
    // the AVX2 mask of lanes [0, n): every bit of those lanes set (n <= L)
    static __m256i mask256(std::size_t n) {
        const std::size_t words = (n < L ? n : L) * (sizeof(T) / 4);
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(avx2_ones + 8 - words));
    }
    // maskload / maskstore: masked lanes are not accessed (no fault, no write)
    static B maskload(const T* p, __m256i m) {
        if constexpr (std::is_same_v<T, float>)
            return B(_mm256_maskload_ps(p, m));
        else
            return B(_mm256_maskload_pd(p, m));
    }
    static void maskstore(T* p, __m256i m, const B& v) {
        if constexpr (std::is_same_v<T, float>)
            _mm256_maskstore_ps(p, m, v);
        else
            _mm256_maskstore_pd(p, m, v);
    }
#endif

    // lanes [0, n) from p, the others 0; reads nothing at or past p + n
    static B load_n(const T* p, std::size_t n) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            if constexpr (std::is_same_v<T, float>)
                return B(_mm512_maskz_loadu_ps(mask(n), p));
            else
                return B(_mm512_maskz_loadu_pd(mask(n), p));
        } else
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2) {
            return maskload(p, mask256(n));
        } else
#endif
#if KILN_CONV_SSE2
        if constexpr (sse2) {
            if (n >= L) return load(p);
            if (n == 0) return zero();
            if constexpr (std::is_same_v<T, float>) {
                // 1, 2 or 3 floats: a scalar load, a 64-bit load, or both joined
                if (n == 1) return B(_mm_load_ss(p));
                const __m128 lo = _mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));  // any alignment
                return B(n == 2 ? lo : _mm_movelh_ps(lo, _mm_load_ss(p + 2)));
            } else {
                return B(_mm_load_sd(p));
            }
        } else
#endif
        {
            if (n >= L) return load(p);
            return from_lanes([&](std::size_t i) { return i < n ? p[i] : T(0); });
        }
    }

    // load_n for a function whose vector registers are all taken (the micro-kernel's epilogue, after
    // the tap loop): without masked loads the lanes go through memory (a store-forwarding stall, but
    // no register besides the result). With load_n's register form there, g++ kept 6x2 tiles'
    // accumulators on the stack for the whole function on SSE2 without FMA (ukernel<float, 6, 2>:
    // 73 -> 133 stack references; S5 about 8.5 -> 11 ms).
    static B load_n_lean(const T* p, std::size_t n) {
        if constexpr (avx512 || avx2) {
            return load_n(p, n);
        } else {
            alignas(64) T tmp[L] = {};
            for (std::size_t i = 0; i < n && i < L; ++i) tmp[i] = p[i];
            return B::load_aligned(tmp);
        }
    }

    // lanes [0, n) to p; writes nothing at or past p + n
    static void store_n(T* p, const B& v, std::size_t n) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            if constexpr (std::is_same_v<T, float>)
                _mm512_mask_storeu_ps(p, mask(n), v);
            else
                _mm512_mask_storeu_pd(p, mask(n), v);
        } else
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2) {
            maskstore(p, mask256(n), v);
        } else
#endif
        {
            alignas(64) T tmp[L];
            v.store_aligned(tmp);
            for (std::size_t i = 0; i < n && i < L; ++i) p[i] = tmp[i];
        }
    }

    // A run of lanes [lo, hi) of a vector (its AVX-512 or AVX2 mask precomputed), for loads and
    // stores that touch only those lanes.
    struct lanes {
        std::size_t lo = 0, hi = 0;
#if KILN_CONV_AVX512
        unsigned bits = 0;
#elif KILN_CONV_AVX2
        __m256i m = _mm256_setzero_si256();
#endif
    };
    // lanes l with lo <= l < hi, clamped to [0, L)
    static lanes lane_range(std::ptrdiff_t lo, std::ptrdiff_t hi) {
        const auto Ls = std::ptrdiff_t(L);
        lanes r;
        r.lo = std::size_t(lo < 0 ? 0 : lo > Ls ? Ls : lo);
        r.hi = std::size_t(hi < 0 ? 0 : hi > Ls ? Ls : hi);
        if (r.hi < r.lo) r.hi = r.lo;
#if KILN_CONV_AVX512
        r.bits = unsigned(mask(r.hi)) & ~unsigned(mask(r.lo));
#elif KILN_CONV_AVX2
        if constexpr (avx2) r.m = _mm256_andnot_si256(mask256(r.lo), mask256(r.hi));
#endif
        return r;
    }
    // row + start for the masked forms below: masked lanes are never accessed, so the address may lie
    // outside the array (computed as an integer, not by pointer arithmetic past its ends)
    template <class P>
    static P* lane_base(P* row, std::ptrdiff_t start) {
        return reinterpret_cast<P*>(reinterpret_cast<std::uintptr_t>(row) +
                                    static_cast<std::uintptr_t>(start * std::ptrdiff_t(sizeof(T))));
    }
    // lane l = row[start + l] for l in r, else 0 (start may be negative: only lanes in r are read)
    static B load_lanes(const T* row, std::ptrdiff_t start, const lanes& r) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            const T* base = lane_base(row, start);
            if constexpr (std::is_same_v<T, float>)
                return B(_mm512_maskz_loadu_ps(static_cast<__mmask16>(r.bits), base));
            else
                return B(_mm512_maskz_loadu_pd(static_cast<__mmask8>(r.bits), base));
        } else
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2) {
            return maskload(lane_base(row, start), r.m);
        } else
#endif
        {
            if (r.lo == 0 && r.hi == L) return load(lane_base(row, start));
            return from_lanes([&](std::size_t i) { return i >= r.lo && i < r.hi ? row[start + std::ptrdiff_t(i)] : T(0); });
        }
    }
    // row[start + l] = v[l] for l in r
    static void store_lanes(T* row, std::ptrdiff_t start, const B& v, const lanes& r) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            T* base = lane_base(row, start);
            if constexpr (std::is_same_v<T, float>)
                _mm512_mask_storeu_ps(base, static_cast<__mmask16>(r.bits), v);
            else
                _mm512_mask_storeu_pd(base, static_cast<__mmask8>(r.bits), v);
        } else
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2) {
            maskstore(lane_base(row, start), r.m, v);
        } else
#endif
        {
            alignas(64) T tmp[L];
            v.store_aligned(tmp);
            for (std::size_t i = r.lo; i < r.hi; ++i) row[start + std::ptrdiff_t(i)] = tmp[i];
        }
    }

    // Lane l at p[l * stride]. `fits` says the int32 index vector can hold (L-1)*stride; else the
    // scalar loop is used.
    struct lane_index {
        std::ptrdiff_t stride;
        bool fits;
#if KILN_CONV_AVX512
        __m512i v;
#elif KILN_CONV_AVX2
        __m256i v;
#endif
        explicit lane_index(std::ptrdiff_t s) : stride(s) {
            fits = s >= 0 && s <= std::ptrdiff_t(0x7FFFFFFF) / std::ptrdiff_t(L);
            const int si = fits ? static_cast<int>(s) : 0;
#if KILN_CONV_AVX512
            v = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                   _mm512_set1_epi32(si));
#elif KILN_CONV_AVX2
            v = _mm256_mullo_epi32(_mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0), _mm256_set1_epi32(si));
#else
            (void)si;
#endif
        }
    };

    // lanes [0, n): p[l * stride]; the others 0
    static B gather(const T* p, const lane_index& ix, std::size_t n) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            if (ix.fits) {
                if constexpr (std::is_same_v<T, float>)
                    return B(_mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask(n), ix.v, p, 4));
                else
                    return B(_mm512_mask_i32gather_pd(_mm512_setzero_pd(), mask(n), _mm512_castsi512_si256(ix.v),
                                                      p, 8));
            }
        }
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2) {
            if (ix.fits) {
                if constexpr (std::is_same_v<T, float>)
                    return B(_mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, ix.v, _mm256_castsi256_ps(mask256(n)), 4));
                else
                    return B(_mm256_mask_i32gather_pd(_mm256_setzero_pd(), p, _mm256_castsi256_si128(ix.v),
                                                      _mm256_castsi256_pd(mask256(n)), 8));
            }
        }
#endif
        if (n >= L) return from_lanes([&](std::size_t i) { return p[std::ptrdiff_t(i) * ix.stride]; });
        return from_lanes([&](std::size_t i) { return i < n ? p[std::ptrdiff_t(i) * ix.stride] : T(0); });
    }

    // In-place L x L transpose: afterwards lane i of r[j] is what lane j of r[i] was. (The maskz forms
    // with a full mask are the plain instructions; the unmasked intrinsics trip g++ 12's
    // -Wuninitialized on _mm512_undefined_ps.)
    static void transpose(B* r) {
#if KILN_CONV_AVX512
        if constexpr (avx512 && std::is_same_v<T, float>) {
            __m512 s1[16], s2[16], u[16];
            for (int p = 0; p < 8; ++p) {  // 32-bit interleave of row pairs, per 128-bit lane
                s1[2 * p] = _mm512_maskz_unpacklo_ps(0xFFFF, r[2 * p], r[2 * p + 1]);
                s1[2 * p + 1] = _mm512_maskz_unpackhi_ps(0xFFFF, r[2 * p], r[2 * p + 1]);
            }
            for (int q = 0; q < 4; ++q) {  // 64-bit interleave: s2[4q+e] lane L = column 4L+e of rows 4q..4q+3
                const __m512d a = _mm512_castps_pd(s1[4 * q]), b = _mm512_castps_pd(s1[4 * q + 1]);
                const __m512d c = _mm512_castps_pd(s1[4 * q + 2]), d = _mm512_castps_pd(s1[4 * q + 3]);
                s2[4 * q + 0] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xFF, a, c));
                s2[4 * q + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xFF, a, c));
                s2[4 * q + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(0xFF, b, d));
                s2[4 * q + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(0xFF, b, d));
            }
            for (int e = 0; e < 4; ++e) {  // gather 128-bit lane L of the four row groups
                u[4 * e + 0] = _mm512_maskz_shuffle_f32x4(0xFFFF, s2[e], s2[4 + e], 0x88);
                u[4 * e + 1] = _mm512_maskz_shuffle_f32x4(0xFFFF, s2[e], s2[4 + e], 0xDD);
                u[4 * e + 2] = _mm512_maskz_shuffle_f32x4(0xFFFF, s2[8 + e], s2[12 + e], 0x88);
                u[4 * e + 3] = _mm512_maskz_shuffle_f32x4(0xFFFF, s2[8 + e], s2[12 + e], 0xDD);
            }
            for (int e = 0; e < 4; ++e) {
                r[0 + e] = B(_mm512_maskz_shuffle_f32x4(0xFFFF, u[4 * e + 0], u[4 * e + 2], 0x88));
                r[8 + e] = B(_mm512_maskz_shuffle_f32x4(0xFFFF, u[4 * e + 0], u[4 * e + 2], 0xDD));
                r[4 + e] = B(_mm512_maskz_shuffle_f32x4(0xFFFF, u[4 * e + 1], u[4 * e + 3], 0x88));
                r[12 + e] = B(_mm512_maskz_shuffle_f32x4(0xFFFF, u[4 * e + 1], u[4 * e + 3], 0xDD));
            }
        } else if constexpr (avx512 && std::is_same_v<T, double>) {
            __m512d s1[8], u[8];
            for (int p = 0; p < 4; ++p) {  // s1[2p+e] lane L = column 2L+e of rows 2p, 2p+1
                s1[2 * p] = _mm512_maskz_unpacklo_pd(0xFF, r[2 * p], r[2 * p + 1]);
                s1[2 * p + 1] = _mm512_maskz_unpackhi_pd(0xFF, r[2 * p], r[2 * p + 1]);
            }
            for (int e = 0; e < 2; ++e) {
                u[4 * e + 0] = _mm512_maskz_shuffle_f64x2(0xFF, s1[e], s1[2 + e], 0x88);
                u[4 * e + 1] = _mm512_maskz_shuffle_f64x2(0xFF, s1[e], s1[2 + e], 0xDD);
                u[4 * e + 2] = _mm512_maskz_shuffle_f64x2(0xFF, s1[4 + e], s1[6 + e], 0x88);
                u[4 * e + 3] = _mm512_maskz_shuffle_f64x2(0xFF, s1[4 + e], s1[6 + e], 0xDD);
            }
            for (int e = 0; e < 2; ++e) {
                r[0 + e] = B(_mm512_maskz_shuffle_f64x2(0xFF, u[4 * e + 0], u[4 * e + 2], 0x88));
                r[4 + e] = B(_mm512_maskz_shuffle_f64x2(0xFF, u[4 * e + 0], u[4 * e + 2], 0xDD));
                r[2 + e] = B(_mm512_maskz_shuffle_f64x2(0xFF, u[4 * e + 1], u[4 * e + 3], 0x88));
                r[6 + e] = B(_mm512_maskz_shuffle_f64x2(0xFF, u[4 * e + 1], u[4 * e + 3], 0xDD));
            }
        } else
#endif
#if KILN_CONV_AVX2
        if constexpr (avx2 && std::is_same_v<T, float>) {
            // 8 x 8: interleave row pairs (32-bit), then pairs of pairs (64-bit, as shuffles), which
            // leaves rows 0-3 and 4-7 of each column in the two 128-bit halves; then join the halves.
            __m256 a[8], b[8];
            for (int p = 0; p < 4; ++p) {  // rows 2p, 2p+1 interleaved: a[2p] columns 0, 1 | 4, 5; a[2p+1] 2, 3 | 6, 7
                a[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
                a[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
            }
            for (int q = 0; q < 2; ++q) {  // b[4q+e]: column e (low half) and e+4 (high half) of rows 4q..4q+3
                b[4 * q + 0] = _mm256_shuffle_ps(a[4 * q], a[4 * q + 2], _MM_SHUFFLE(1, 0, 1, 0));
                b[4 * q + 1] = _mm256_shuffle_ps(a[4 * q], a[4 * q + 2], _MM_SHUFFLE(3, 2, 3, 2));
                b[4 * q + 2] = _mm256_shuffle_ps(a[4 * q + 1], a[4 * q + 3], _MM_SHUFFLE(1, 0, 1, 0));
                b[4 * q + 3] = _mm256_shuffle_ps(a[4 * q + 1], a[4 * q + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            for (int e = 0; e < 4; ++e) {
                r[e] = B(_mm256_permute2f128_ps(b[e], b[4 + e], 0x20));
                r[4 + e] = B(_mm256_permute2f128_ps(b[e], b[4 + e], 0x31));
            }
        } else if constexpr (avx2 && std::is_same_v<T, double>) {
            // 4 x 4: a[2p] = columns 0 | 2 of rows 2p, 2p+1; a[2p+1] = columns 1 | 3
            __m256d a[4];
            for (int p = 0; p < 2; ++p) {
                a[2 * p] = _mm256_unpacklo_pd(r[2 * p], r[2 * p + 1]);
                a[2 * p + 1] = _mm256_unpackhi_pd(r[2 * p], r[2 * p + 1]);
            }
            r[0] = B(_mm256_permute2f128_pd(a[0], a[2], 0x20));
            r[1] = B(_mm256_permute2f128_pd(a[1], a[3], 0x20));
            r[2] = B(_mm256_permute2f128_pd(a[0], a[2], 0x31));
            r[3] = B(_mm256_permute2f128_pd(a[1], a[3], 0x31));
        } else
#endif
#if KILN_CONV_SSE2
        if constexpr (sse2 && std::is_same_v<T, float>) {
            // 4 x 4: interleave row pairs, then take the 64-bit halves
            const __m128 t0 = _mm_unpacklo_ps(r[0], r[1]), t1 = _mm_unpacklo_ps(r[2], r[3]);
            const __m128 t2 = _mm_unpackhi_ps(r[0], r[1]), t3 = _mm_unpackhi_ps(r[2], r[3]);
            r[0] = B(_mm_movelh_ps(t0, t1));
            r[1] = B(_mm_movehl_ps(t1, t0));
            r[2] = B(_mm_movelh_ps(t2, t3));
            r[3] = B(_mm_movehl_ps(t3, t2));
        } else if constexpr (sse2 && std::is_same_v<T, double>) {
            const __m128d t0 = _mm_unpacklo_pd(r[0], r[1]), t1 = _mm_unpackhi_pd(r[0], r[1]);
            r[0] = B(t0);
            r[1] = B(t1);
        } else
#endif
        {
            alignas(64) T m[L][L];
            for (std::size_t i = 0; i < L; ++i) r[i].store_aligned(m[i]);
            for (std::size_t i = 0; i < L; ++i)
                for (std::size_t j = i + 1; j < L; ++j) {
                    const T t = m[i][j];
                    m[i][j] = m[j][i];
                    m[j][i] = t;
                }
            for (std::size_t i = 0; i < L; ++i) r[i] = B::load_aligned(m[i]);
        }
    }

    // p[l * stride] = v[l] for lanes [0, n)
    static void scatter(T* p, const lane_index& ix, const B& v, std::size_t n) {
#if KILN_CONV_AVX512
        if constexpr (avx512) {
            if (ix.fits) {
                if constexpr (std::is_same_v<T, float>)
                    _mm512_mask_i32scatter_ps(p, mask(n), ix.v, v, 4);
                else
                    _mm512_mask_i32scatter_pd(p, mask(n), _mm512_castsi512_si256(ix.v), v, 8);
                return;
            }
        }
#endif
        alignas(64) T tmp[L];
        v.store_aligned(tmp);
        for (std::size_t i = 0; i < n && i < L; ++i) p[std::ptrdiff_t(i) * ix.stride] = tmp[i];
    }
};

// The cache lines that hold [p, p + bytes): the first one (64-byte aligned) and how many.
struct line_span {
    const char* first = nullptr;
    std::size_t lines = 0;
};
inline line_span lines_of(const void* p, std::size_t bytes) {
    const auto a = reinterpret_cast<std::uintptr_t>(p), first = a & ~std::uintptr_t(63);
    return {reinterpret_cast<const char*>(first), bytes ? (a + bytes - first + 63) / 64 : 0};
}

// Asks for the cache line at p ahead of use.
inline void prefetch_line(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 3);
#else
    (void)p;
#endif
}

// Asks for the cache lines of [p, p + bytes) ahead of use (for writing when write).
inline void prefetch_range(const void* p, std::size_t bytes, bool write = false) {
#if defined(__GNUC__) || defined(__clang__)
    const line_span span = lines_of(p, bytes);
    for (std::size_t i = 0; i < span.lines; ++i) {
        if (write)
            __builtin_prefetch(span.first + 64 * i, 1, 3);
        else
            __builtin_prefetch(span.first + 64 * i, 0, 3);
    }
#else
    (void)p, (void)bytes, (void)write;
#endif
}

// Calls f(std::integral_constant<std::size_t, I>{}) for I = 0 .. N-1, unrolled at compile time.
template <class F, std::size_t... I>
inline void static_for_impl(F&& f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
}
template <std::size_t N, class F>
inline void static_for(F&& f) {
    static_for_impl(f, std::make_index_sequence<N>{});
}

}  // namespace kiln::nn::kernels::conv_detail
