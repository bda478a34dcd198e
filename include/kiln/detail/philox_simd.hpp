// kiln/detail/philox_simd.hpp: Philox4x32-10 on xsimd integer registers (host only).
//
// A register of batch<uint32_t, A> holds G = size/4 Philox blocks, one per group of four 32-bit
// lanes (one 128-bit lane on x86): lanes 4g..4g+3 are words 0..3 of block first + g. That is the
// same order in which the scalar definition lays the words of consecutive blocks out in memory, so
// a register of words is directly the next 4G uint32 draws. All G blocks are in flight at once.
//
// One round on a group (c0, c1, c2, c3) with key lanes (k0, 0, k1, 0):
//   P = mul_epu32(c, (M0, 0, M1, 0))        = (lo0, hi0, lo1, hi1)    [64-bit products of c0, c2]
//   c = shuffle(P, 3,2,1,0) ^ (srl64(c, 32) ^ key)
//     = (hi1, lo1, hi0, lo0) ^ (c1 ^ k0, 0, c3 ^ k1, 0)
// which is exactly the scalar round. x86 (SSE2, AVX2, AVX-512F) uses intrinsics; any other
// architecture computes the blocks with the scalar generator (still bit-identical, just slower).
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../third_party/xsimd.hpp"
#include "philox.hpp"
#include "random_math.hpp"

namespace kiln::random::detail {

// Calls f(integral_constant<int, r>) for r = 0 .. philox_rounds-1: the rounds, fully unrolled.
template <class F, int... R>
KILN_SIMD_INLINE void unrolled_rounds_impl(F& f, std::integer_sequence<int, R...>) {
    (f(std::integral_constant<int, R>{}), ...);
}
template <class F>
KILN_SIMD_INLINE void unrolled_rounds(F&& f) {
    unrolled_rounds_impl(f, std::make_integer_sequence<int, philox_rounds>{});
}

enum class word_impl { generic, sse2, avx2, avx512 };

template <class A>
constexpr word_impl word_impl_for() {
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) return word_impl::avx512;
#endif
#if XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) return word_impl::avx2;
#endif
#if XSIMD_WITH_SSE2
    if constexpr (std::is_base_of_v<xsimd::sse2, A>) return word_impl::sse2;
#endif
    return word_impl::generic;
}

// Operations on a register of words:
//   philox(first, k): the words of blocks first .. first+G-1 (block b has counter (lo32(b), hi32(b), 0, 0));
//   dup_even32 / dup_odd32: (w0,w1,w2,w3) -> (w0,w0,w2,w2) / (w1,w1,w3,w3) in every group;
//   dup_lo64 / dup_hi64:    (w0,w1,w2,w3) -> (w0,w1,w0,w1) / (w2,w3,w2,w3) in every group.
template <class A, word_impl I = word_impl_for<A>()>
struct word_ops {
    using U = xsimd::batch<std::uint32_t, A>;
    static constexpr std::size_t n = U::size;
    static_assert(n % 4 == 0, "kiln: random needs SIMD registers of a multiple of 128 bits");

    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) {
        alignas(A::alignment()) std::uint32_t w[n];
        for (std::size_t g = 0; g < n / 4; ++g) {
            const std::uint64_t b = first + g;
            const counter c = philox4x32_10(
                counter{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), 0u, 0u}}, k);
            for (std::size_t j = 0; j < 4; ++j) w[4 * g + j] = c.v[j];
        }
        return U::load_aligned(w);
    }
    template <int J0, int J1, int J2, int J3>
    KILN_SIMD_INLINE static U permute(const U& x) {
        alignas(A::alignment()) std::uint32_t w[n], r[n];
        x.store_aligned(w);
        for (std::size_t g = 0; g < n; g += 4) {
            r[g] = w[g + J0];
            r[g + 1] = w[g + J1];
            r[g + 2] = w[g + J2];
            r[g + 3] = w[g + J3];
        }
        return U::load_aligned(r);
    }
    KILN_SIMD_INLINE static U dup_even32(const U& x) { return permute<0, 0, 2, 2>(x); }
    KILN_SIMD_INLINE static U dup_odd32(const U& x) { return permute<1, 1, 3, 3>(x); }
    KILN_SIMD_INLINE static U dup_lo64(const U& x) { return permute<0, 1, 0, 1>(x); }
    KILN_SIMD_INLINE static U dup_hi64(const U& x) { return permute<2, 3, 2, 3>(x); }
};

#if XSIMD_WITH_SSE2
template <class A>
struct word_ops<A, word_impl::sse2> {
    using U = xsimd::batch<std::uint32_t, A>;
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) {
        __m128i c = _mm_set_epi64x(0, static_cast<long long>(first));
        __m128i kv = _mm_set_epi32(0, static_cast<int>(k.k1), 0, static_cast<int>(k.k0));
        const __m128i m = _mm_set_epi32(0, static_cast<int>(philox_m1), 0, static_cast<int>(philox_m0));
        const __m128i w = _mm_set_epi32(0, static_cast<int>(philox_w1), 0, static_cast<int>(philox_w0));
        unrolled_rounds([&](auto r) {
            if constexpr (r.value != 0) kv = _mm_add_epi32(kv, w);
            const __m128i p = _mm_mul_epu32(c, m);
            const __m128i x = _mm_xor_si128(_mm_srli_epi64(c, 32), kv);
            c = _mm_xor_si128(_mm_shuffle_epi32(p, _MM_SHUFFLE(0, 1, 2, 3)), x);
        });
        return U(c);
    }
    KILN_SIMD_INLINE static U dup_even32(const U& x) { return U(_mm_shuffle_epi32(static_cast<__m128i>(x), _MM_SHUFFLE(2, 2, 0, 0))); }
    KILN_SIMD_INLINE static U dup_odd32(const U& x) { return U(_mm_shuffle_epi32(static_cast<__m128i>(x), _MM_SHUFFLE(3, 3, 1, 1))); }
    KILN_SIMD_INLINE static U dup_lo64(const U& x) { return U(_mm_shuffle_epi32(static_cast<__m128i>(x), _MM_SHUFFLE(1, 0, 1, 0))); }
    KILN_SIMD_INLINE static U dup_hi64(const U& x) { return U(_mm_shuffle_epi32(static_cast<__m128i>(x), _MM_SHUFFLE(3, 2, 3, 2))); }
};
#endif

#if XSIMD_WITH_AVX2
template <class A>
struct word_ops<A, word_impl::avx2> {
    using U = xsimd::batch<std::uint32_t, A>;
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) {
        __m256i c = _mm256_set_epi64x(0, static_cast<long long>(first + 1), 0, static_cast<long long>(first));
        const int k0 = static_cast<int>(k.k0), k1 = static_cast<int>(k.k1);
        __m256i kv = _mm256_set_epi32(0, k1, 0, k0, 0, k1, 0, k0);
        const int m0 = static_cast<int>(philox_m0), m1 = static_cast<int>(philox_m1);
        const __m256i m = _mm256_set_epi32(0, m1, 0, m0, 0, m1, 0, m0);
        const int w0 = static_cast<int>(philox_w0), w1 = static_cast<int>(philox_w1);
        const __m256i w = _mm256_set_epi32(0, w1, 0, w0, 0, w1, 0, w0);
        unrolled_rounds([&](auto r) {
            if constexpr (r.value != 0) kv = _mm256_add_epi32(kv, w);
            const __m256i p = _mm256_mul_epu32(c, m);
            const __m256i x = _mm256_xor_si256(_mm256_srli_epi64(c, 32), kv);
            c = _mm256_xor_si256(_mm256_shuffle_epi32(p, _MM_SHUFFLE(0, 1, 2, 3)), x);
        });
        return U(c);
    }
    KILN_SIMD_INLINE static U dup_even32(const U& x) { return U(_mm256_shuffle_epi32(static_cast<__m256i>(x), _MM_SHUFFLE(2, 2, 0, 0))); }
    KILN_SIMD_INLINE static U dup_odd32(const U& x) { return U(_mm256_shuffle_epi32(static_cast<__m256i>(x), _MM_SHUFFLE(3, 3, 1, 1))); }
    KILN_SIMD_INLINE static U dup_lo64(const U& x) { return U(_mm256_shuffle_epi32(static_cast<__m256i>(x), _MM_SHUFFLE(1, 0, 1, 0))); }
    KILN_SIMD_INLINE static U dup_hi64(const U& x) { return U(_mm256_shuffle_epi32(static_cast<__m256i>(x), _MM_SHUFFLE(3, 2, 3, 2))); }
};
#endif

#if XSIMD_WITH_AVX512F
// The masked forms with an all-ones mask are the same instructions as the plain intrinsics, whose
// g++ 12 implementation (_mm512_undefined_epi32) trips -Wuninitialized when inlined.
KILN_SIMD_INLINE __m512i avx512_mul_epu32(__m512i a, __m512i b) { return _mm512_mask_mul_epu32(a, __mmask8(0xFF), a, b); }
KILN_SIMD_INLINE __m512i avx512_srli64_32(__m512i a) { return _mm512_mask_srli_epi64(a, __mmask8(0xFF), a, 32); }
template <_MM_PERM_ENUM P>
KILN_SIMD_INLINE __m512i avx512_shuffle32(__m512i a) { return _mm512_mask_shuffle_epi32(a, __mmask16(0xFFFF), a, P); }

template <class A>
struct word_ops<A, word_impl::avx512> {
    using U = xsimd::batch<std::uint32_t, A>;
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) {
        // (first, 0, first+1, 0, first+2, 0, first+3, 0) as 64-bit lanes
        __m512i c = _mm512_add_epi64(_mm512_maskz_set1_epi64(__mmask8(0x55), static_cast<long long>(first)),
                                     _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0));
        const int k0 = static_cast<int>(k.k0), k1 = static_cast<int>(k.k1);
        __m512i kv = _mm512_set_epi32(0, k1, 0, k0, 0, k1, 0, k0, 0, k1, 0, k0, 0, k1, 0, k0);
        const int m0 = static_cast<int>(philox_m0), m1 = static_cast<int>(philox_m1);
        const __m512i mm = _mm512_set_epi32(0, m1, 0, m0, 0, m1, 0, m0, 0, m1, 0, m0, 0, m1, 0, m0);
        const int w0 = static_cast<int>(philox_w0), w1 = static_cast<int>(philox_w1);
        const __m512i ww = _mm512_set_epi32(0, w1, 0, w0, 0, w1, 0, w0, 0, w1, 0, w0, 0, w1, 0, w0);
        unrolled_rounds([&](auto r) {
            if constexpr (r.value != 0) kv = _mm512_add_epi32(kv, ww);
            const __m512i p = avx512_mul_epu32(c, mm);
            // a ^ b ^ c in one instruction (truth table 0x96)
            c = _mm512_ternarylogic_epi32(avx512_shuffle32<_MM_PERM_ABCD>(p), avx512_srli64_32(c), kv, 0x96);
        });
        return U(c);
    }
    KILN_SIMD_INLINE static U dup_even32(const U& x) { return U(avx512_shuffle32<_MM_PERM_CCAA>(x)); }
    KILN_SIMD_INLINE static U dup_odd32(const U& x) { return U(avx512_shuffle32<_MM_PERM_DDBB>(x)); }
    KILN_SIMD_INLINE static U dup_lo64(const U& x) { return U(avx512_shuffle32<_MM_PERM_BABA>(x)); }
    KILN_SIMD_INLINE static U dup_hi64(const U& x) { return U(avx512_shuffle32<_MM_PERM_DCDC>(x)); }
};
#endif

// Logical shifts by a constant and the exact int32 -> float conversion, as xsimd's operators, but
// through the masked AVX-512 forms (same instructions; see avx512_mul_epu32 above).
template <int N, class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> shr(const xsimd::batch<T, A>& x) {
    static_assert(std::is_unsigned_v<T> && (sizeof(T) == 4 || sizeof(T) == 8));
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        if constexpr (sizeof(T) == 4) return _mm512_mask_srli_epi32(x, __mmask16(0xFFFF), x, N);
        else return _mm512_mask_srli_epi64(x, __mmask8(0xFF), x, N);
    } else
#endif
    return x >> N;
}
template <int N, class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> shl(const xsimd::batch<T, A>& x) {
    static_assert(std::is_unsigned_v<T> && (sizeof(T) == 4 || sizeof(T) == 8));
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        if constexpr (sizeof(T) == 4) return _mm512_mask_slli_epi32(x, __mmask16(0xFFFF), x, N);
        else return _mm512_mask_slli_epi64(x, __mmask8(0xFF), x, N);
    } else
#endif
    return x << N;
}
// Exact conversion of integers below 2^24.
template <class A>
KILN_SIMD_INLINE xsimd::batch<float, A> u24_to_float(const xsimd::batch<std::uint32_t, A>& v) {
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        return _mm512_mask_cvtepi32_ps(_mm512_setzero_ps(), __mmask16(0xFFFF), v);
    } else
#endif
    return xsimd::batch_cast<float>(xsimd::bitwise_cast<xsimd::batch<std::int32_t, A>>(v));
}

}  // namespace kiln::random::detail
