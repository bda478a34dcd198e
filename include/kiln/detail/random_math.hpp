// kiln/detail/random_math.hpp: the floating-point kernels of kiln's random distributions, written
// once as templates over V (a scalar float/double on host and device, or an xsimd batch on the
// host) so the scalar path and the SIMD path execute the same IEEE operations in the same order.
//
// Rules that make the results bit-identical everywhere (see docs/random.md):
//  * every multiply-add is an explicit fma (scalar ::fmaf/::fma are correctly rounded on host and
//    device; batch fma is the FMA instruction through intrinsics, or lane-by-lane ::fma where the
//    registers have none);
//  * no product is ever added by a plain '+'/'-' unless it is exact (so contraction by the compiler,
//    nvcc included, cannot change a result);
//  * only +, -, *, /, sqrt and fma are used: all correctly rounded in IEEE-754 (no libm, no xsimd
//    transcendental functions). Polynomial coefficients are hex literals: exact in every compiler.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../config.hpp"
#include "../third_party/xsimd.hpp"

// Host SIMD helpers are forced inline (KILN_SIMD_INLINE, config.hpp): they are small, and a call in
// the middle of the executor's loop would pass every register through memory.

namespace kiln::random::detail {

// ---------------------------------------------------------------------------------- primitives
KILN_HD inline float fma_(float a, float b, float c) { return ::fmaf(a, b, c); }
KILN_HD inline double fma_(double a, double b, double c) { return ::fma(a, b, c); }
KILN_HD inline float sqrt_(float x) { return ::sqrtf(x); }
KILN_HD inline double sqrt_(double x) { return ::sqrt(x); }

// Whether batches of architecture A get a fused multiply-add instruction from fma_ below. (Not
// xsimd::fma: xsimd 8.1 has no AVX-512 or FMA3+AVX2 kernel and falls back to x*y+z, which g++
// happens to contract and clang does not.)
template <class A>
constexpr bool fused_fma_arch() {
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) return true;
#endif
#if defined(__FMA__) && XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) return true;
#endif
#if defined(__FMA__) && XSIMD_WITH_SSE2
    if constexpr (std::is_base_of_v<xsimd::sse2, A>) return true;
#endif
#if XSIMD_WITH_NEON64
    if constexpr (std::is_base_of_v<xsimd::neon64, A>) return true;
#endif
    return false;
}

// The compiled-in architecture (the one the cpu executor uses) has a fused batch fma.
inline constexpr bool simd_fma_is_fused = fused_fma_arch<xsimd::default_arch>();

template <class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> fma_(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b, const xsimd::batch<T, A>& c) {
    [[maybe_unused]] constexpr bool f32 = std::is_same_v<T, float>;
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        if constexpr (f32) return _mm512_fmadd_ps(a, b, c);
        else return _mm512_fmadd_pd(a, b, c);
    } else
#endif
#if defined(__FMA__) && XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) {
        if constexpr (f32) return _mm256_fmadd_ps(a, b, c);
        else return _mm256_fmadd_pd(a, b, c);
    } else
#endif
#if defined(__FMA__) && XSIMD_WITH_SSE2
    if constexpr (std::is_base_of_v<xsimd::sse2, A>) {
        if constexpr (f32) return _mm_fmadd_ps(a, b, c);
        else return _mm_fmadd_pd(a, b, c);
    } else
#endif
#if XSIMD_WITH_NEON64
    if constexpr (std::is_base_of_v<xsimd::neon64, A>) {
        if constexpr (f32) return vfmaq_f32(c, a, b);
        else return vfmaq_f64(c, a, b);
    } else
#endif
    {
        // No fused instruction for these registers: fuse lane by lane (exact, slow).
        constexpr std::size_t n = xsimd::batch<T, A>::size;
        alignas(A::alignment()) T x[n], y[n], z[n];
        a.store_aligned(x);
        b.store_aligned(y);
        c.store_aligned(z);
        for (std::size_t l = 0; l < n; ++l) x[l] = fma_(x[l], y[l], z[l]);
        return xsimd::batch<T, A>::load_aligned(x);
    }
}
template <class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> sqrt_(const xsimd::batch<T, A>& x) {
#if XSIMD_WITH_AVX512F
    // Same instruction as xsimd::sqrt; the masked form avoids g++ 12's false -Wuninitialized on
    // _mm512_undefined_* inside the plain intrinsic.
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        if constexpr (std::is_same_v<T, float>) return _mm512_mask_sqrt_ps(x, __mmask16(0xFFFF), x);
        else return _mm512_mask_sqrt_pd(x, __mmask8(0xFF), x);
    } else
#endif
    return xsimd::sqrt(x);  // sqrtps/sqrtpd: correctly rounded
}

// ---------------------------------------------------------------------------------- log
// ln(2^e * y) for an integer-valued e and y in [sqrt(1/2), sqrt(2)):
//   f = y - 1 (exact), s = f / (y + 1), z = s*s,
//   ln y = fma(s*z, P(z), s + s)  with P(z) = sum 2/(2k+1) z^(k-1) (the atanh series of ln y),
//   ln x = fma(e, LN2_HI, fma(e, LN2_LO, ln y)).
// |s| <= 0.1716, so the series is truncated after z^3 (float) / z^9 (double).
template <class V>
KILN_HD V log_poly(V z, float) {
    V p = V(0x1.c71c72p-3f);  // 2/9
    p = fma_(p, z, V(0x1.24924ap-2f));  // 2/7
    p = fma_(p, z, V(0x1.99999ap-2f));  // 2/5
    p = fma_(p, z, V(0x1.555556p-1f));  // 2/3
    return p;
}
template <class V>
KILN_HD V log_poly(V z, double) {
    V p = V(0x1.8618618618618p-4);  // 2/21
    p = fma_(p, z, V(0x1.af286bca1af28p-4));  // 2/19
    p = fma_(p, z, V(0x1.e1e1e1e1e1e1ep-4));  // 2/17
    p = fma_(p, z, V(0x1.1111111111111p-3));  // 2/15
    p = fma_(p, z, V(0x1.3b13b13b13b14p-3));  // 2/13
    p = fma_(p, z, V(0x1.745d1745d1746p-3));  // 2/11
    p = fma_(p, z, V(0x1.c71c71c71c71cp-3));  // 2/9
    p = fma_(p, z, V(0x1.2492492492492p-2));  // 2/7
    p = fma_(p, z, V(0x1.999999999999ap-2));  // 2/5
    p = fma_(p, z, V(0x1.5555555555555p-1));  // 2/3
    return p;
}
KILN_HD constexpr float ln2_hi(float) { return 0x1.62e4p-1f; }  // 16 significant bits: e*LN2_HI is exact
KILN_HD constexpr float ln2_lo(float) { return 0x1.7f7d1cp-20f; }
KILN_HD constexpr double ln2_hi(double) { return 0x1.62e42fefa38p-1; }  // 42 significant bits
KILN_HD constexpr double ln2_lo(double) { return 0x1.ef35793c7673p-45; }

template <class T, class V>
KILN_HD V log_reduced(V e, V y) {
    const V one = V(T(1));
    const V f = y - one;
    const V s = f / (y + one);
    const V z = s * s;
    const V lny = fma_(s * z, log_poly(z, T{}), s + s);
    return fma_(e, V(ln2_hi(T{})), fma_(e, V(ln2_lo(T{})), lny));
}

// ---------------------------------------------------------------------------------- sin / cos
// sin(pi/2 * f) and cos(pi/2 * f) for |f| <= 1/2: Taylor polynomials in f with the coefficients
// (-1)^k (pi/2)^n / n! rounded to T, evaluated by Horner in z = f*f.
template <class V>
KILN_HD V sin_poly(V z, float) {
    V p = V(0x1.507834p-13f);
    p = fma_(p, z, V(-0x1.32d2ccp-8f));
    p = fma_(p, z, V(0x1.466bc6p-4f));
    p = fma_(p, z, V(-0x1.4abbcep-1f));
    p = fma_(p, z, V(0x1.921fb6p+0f));
    return p;
}
template <class V>
KILN_HD V cos_poly(V z, float) {
    V p = V(-0x1.a6d1f2p-16f);
    p = fma_(p, z, V(0x1.e1f506p-11f));
    p = fma_(p, z, V(-0x1.55d3c8p-6f));
    p = fma_(p, z, V(0x1.03c1f0p-2f));
    p = fma_(p, z, V(-0x1.3bd3ccp+0f));
    p = fma_(p, z, V(1.0f));
    return p;
}
template <class V>
KILN_HD V sin_poly(V z, double) {
    V p = V(0x1.aaec32af93359p-38);
    p = fma_(p, z, V(-0x1.6fadb9f155744p-31));
    p = fma_(p, z, V(0x1.e8f434d018d63p-25));
    p = fma_(p, z, V(-0x1.e3074fde8871fp-19));
    p = fma_(p, z, V(0x1.50783487ee782p-13));
    p = fma_(p, z, V(-0x1.32d2cce62bd86p-8));
    p = fma_(p, z, V(0x1.466bc6775aae2p-4));
    p = fma_(p, z, V(-0x1.4abbce625be53p-1));
    p = fma_(p, z, V(0x1.921fb54442d18p+0));
    return p;
}
template <class V>
KILN_HD V cos_poly(V z, double) {
    V p = V(0x1.20c62c2f2d7f5p-34);
    p = fma_(p, z, V(-0x1.b6e24f44b128fp-28));
    p = fma_(p, z, V(0x1.f9d38a3763cc3p-22));
    p = fma_(p, z, V(-0x1.a6d1f2a204a8cp-16));
    p = fma_(p, z, V(0x1.e1f506891babbp-11));
    p = fma_(p, z, V(-0x1.55d3c7e3cbffap-6));
    p = fma_(p, z, V(0x1.03c1f081b5ac4p-2));
    p = fma_(p, z, V(-0x1.3bd3cc9be45dep+0));
    p = fma_(p, z, V(1.0));
    return p;
}

template <class T, class V>
KILN_HD V sin_quarter(V f) {
    return f * sin_poly(f * f, T{});
}
template <class T, class V>
KILN_HD V cos_quarter(V f) {
    return cos_poly(f * f, T{});
}

// ---------------------------------------------------------------------------------- scalar bits
KILN_HD inline std::uint32_t bits_of(float x) {
    std::uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
KILN_HD inline std::uint64_t bits_of(double x) {
    std::uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}
KILN_HD inline float float_of(std::uint32_t u) {
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}
KILN_HD inline double double_of(std::uint64_t u) {
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

// The largest T below x (x > -inf, not NaN): the bound a uniform draw is clamped to.
KILN_HD inline float next_below(float x) {
    const std::uint32_t b = bits_of(x);
    if ((b & 0x7FFFFFFFu) == 0) return -0x1p-149f;
    return float_of(b >> 31 ? b + 1 : b - 1);
}
KILN_HD inline double next_below(double x) {
    const std::uint64_t b = bits_of(x);
    if ((b & 0x7FFFFFFFFFFFFFFFull) == 0) return -0x1p-1074;
    return double_of(b >> 63 ? b + 1 : b - 1);
}

}  // namespace kiln::random::detail
