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
// AVX-512 computes an even number of registers at once word-sliced instead (philox_sliced: one word
// per 64-bit lane, 3 instructions per 4 blocks and round instead of 4) and returns them in this
// same layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "../third_party/xsimd.hpp"
#include "philox.hpp"
#include "random_math.hpp"

namespace kiln::random::detail {

// G registers of Philox blocks with the rounds interleaved: round r of register 0, 1, .., G-1, then
// round r+1. One round is a chain of a 5-cycle multiply and two 1-cycle operations, so a single
// register leaves the vector ports idle most of the time; G independent chains in program order
// keep them busy (the out-of-order window alone overlaps too few). Ops provides V, blocks (per
// register), counters(first), round_key(k), key_step(), add32 and round(c, kv).
template <class Ops, std::size_t G>
struct interleaved_words {
    typename Ops::V v[G];
    KILN_SIMD_INLINE const typename Ops::V& operator[](std::size_t g) const { return v[g]; }
};
// (Pack expansions, not lambdas or loops: g++ -O2 would call a per-round lambda out of line and pass
// the G registers through memory.)
template <class Ops, std::size_t G, std::size_t... I, int... R>
KILN_SIMD_INLINE interleaved_words<Ops, G> philox_interleaved_impl(std::uint64_t first, key k, std::index_sequence<I...>,
                                                                   std::integer_sequence<int, R...>) {
    interleaved_words<Ops, G> c{{Ops::counters(first + I * Ops::blocks)...}};
    typename Ops::V kv = Ops::round_key(k);
    const typename Ops::V w = Ops::key_step();
    // round r: the key advances (r > 0), then every register takes the round
    ((kv = (R == 0 ? kv : Ops::add32(kv, w)), ((c.v[I] = Ops::round(c.v[I], kv)), ...)), ...);
    return c;
}
template <class Ops, std::size_t G>
KILN_SIMD_INLINE interleaved_words<Ops, G> philox_interleaved(std::uint64_t first, key k) {
    return philox_interleaved_impl<Ops, G>(first, k, std::make_index_sequence<G>{},
                                           std::make_integer_sequence<int, philox_rounds>{});
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
//   philox_n(first, k, out): out[j] = philox(first + j*G, k), computed interleaved;
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
    // out[g] = philox(first + g * n / 4, k): G registers of consecutive blocks.
    template <std::size_t G>
    KILN_SIMD_INLINE static void philox_n(std::uint64_t first, key k, U (&out)[G]) {
        for (std::size_t g = 0; g < G; ++g) out[g] = philox(first + g * (n / 4), k);
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
    using V = __m128i;
    static constexpr std::size_t blocks = 1;
    KILN_SIMD_INLINE static V counters(std::uint64_t first) { return _mm_set_epi64x(0, static_cast<long long>(first)); }
    KILN_SIMD_INLINE static V round_key(key k) { return _mm_set_epi32(0, static_cast<int>(k.k1), 0, static_cast<int>(k.k0)); }
    KILN_SIMD_INLINE static V key_step() { return _mm_set_epi32(0, static_cast<int>(philox_w1), 0, static_cast<int>(philox_w0)); }
    KILN_SIMD_INLINE static V add32(V a, V b) { return _mm_add_epi32(a, b); }
    KILN_SIMD_INLINE static V round(V c, V kv) {
        const __m128i m = _mm_set_epi32(0, static_cast<int>(philox_m1), 0, static_cast<int>(philox_m0));
        const __m128i p = _mm_mul_epu32(c, m);
        const __m128i x = _mm_xor_si128(_mm_srli_epi64(c, 32), kv);
        return _mm_xor_si128(_mm_shuffle_epi32(p, _MM_SHUFFLE(0, 1, 2, 3)), x);
    }
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) { return philox_interleaved<word_ops, 1>(first, k)[0]; }
    template <std::size_t G>
    KILN_SIMD_INLINE static void philox_n(std::uint64_t first, key k, U (&out)[G]) {
        const auto r = philox_interleaved<word_ops, G>(first, k);
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = U(r[g]);
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
    using V = __m256i;
    static constexpr std::size_t blocks = 2;
    KILN_SIMD_INLINE static V counters(std::uint64_t first) {
        return _mm256_set_epi64x(0, static_cast<long long>(first + 1), 0, static_cast<long long>(first));
    }
    KILN_SIMD_INLINE static V round_key(key k) {
        const int k0 = static_cast<int>(k.k0), k1 = static_cast<int>(k.k1);
        return _mm256_set_epi32(0, k1, 0, k0, 0, k1, 0, k0);
    }
    KILN_SIMD_INLINE static V key_step() {
        const int w0 = static_cast<int>(philox_w0), w1 = static_cast<int>(philox_w1);
        return _mm256_set_epi32(0, w1, 0, w0, 0, w1, 0, w0);
    }
    KILN_SIMD_INLINE static V add32(V a, V b) { return _mm256_add_epi32(a, b); }
    KILN_SIMD_INLINE static V round(V c, V kv) {
        const int m0 = static_cast<int>(philox_m0), m1 = static_cast<int>(philox_m1);
        const __m256i m = _mm256_set_epi32(0, m1, 0, m0, 0, m1, 0, m0);
        const __m256i p = _mm256_mul_epu32(c, m);
        const __m256i x = _mm256_xor_si256(_mm256_srli_epi64(c, 32), kv);
        return _mm256_xor_si256(_mm256_shuffle_epi32(p, _MM_SHUFFLE(0, 1, 2, 3)), x);
    }
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) { return philox_interleaved<word_ops, 1>(first, k)[0]; }
    template <std::size_t G>
    KILN_SIMD_INLINE static void philox_n(std::uint64_t first, key k, U (&out)[G]) {
        const auto r = philox_interleaved<word_ops, G>(first, k);
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = U(r[g]);
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
    using V = __m512i;
    static constexpr std::size_t blocks = 4;
    // (first, 0, first+1, 0, first+2, 0, first+3, 0) as 64-bit lanes
    KILN_SIMD_INLINE static V counters(std::uint64_t first) {
        return _mm512_add_epi64(_mm512_maskz_set1_epi64(__mmask8(0x55), static_cast<long long>(first)),
                                _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0));
    }
    KILN_SIMD_INLINE static V round_key(key k) {
        const int k0 = static_cast<int>(k.k0), k1 = static_cast<int>(k.k1);
        return _mm512_set_epi32(0, k1, 0, k0, 0, k1, 0, k0, 0, k1, 0, k0, 0, k1, 0, k0);
    }
    KILN_SIMD_INLINE static V key_step() {
        const int w0 = static_cast<int>(philox_w0), w1 = static_cast<int>(philox_w1);
        return _mm512_set_epi32(0, w1, 0, w0, 0, w1, 0, w0, 0, w1, 0, w0, 0, w1, 0, w0);
    }
    KILN_SIMD_INLINE static V add32(V a, V b) { return _mm512_add_epi32(a, b); }
    KILN_SIMD_INLINE static V round(V c, V kv) {
        const int m0 = static_cast<int>(philox_m0), m1 = static_cast<int>(philox_m1);
        const __m512i mm = _mm512_set_epi32(0, m1, 0, m0, 0, m1, 0, m0, 0, m1, 0, m0, 0, m1, 0, m0);
        const __m512i p = avx512_mul_epu32(c, mm);
        // a ^ b ^ c in one instruction (truth table 0x96)
        return _mm512_ternarylogic_epi32(avx512_shuffle32<_MM_PERM_ABCD>(p), avx512_srli64_32(c), kv, 0x96);
    }
    KILN_SIMD_INLINE static U philox(std::uint64_t first, key k) { return philox_interleaved<word_ops, 1>(first, k)[0]; }
    // An even number of registers: the rounds run word-sliced (philox_sliced below), 3 instructions
    // per 8 blocks and multiply instead of 4 per 4 blocks, then the words are put back in block order.
    template <std::size_t G>
    KILN_SIMD_INLINE static void philox_n(std::uint64_t first, key k, U (&out)[G]) {
        if constexpr (G % 2 == 0) {
            philox_sliced(first, k, out);
        } else {
            const auto r = philox_interleaved<word_ops, G>(first, k);
            KILN_UNROLL
            for (std::size_t g = 0; g < G; ++g) out[g] = U(r[g]);
        }
    }
    // Q slices of 8 blocks (first + 8q .. first + 8q + 7), each in four registers of 64-bit lanes:
    // lane j of x0, x1, x2, x3 holds word 0, 1, 2, 3 of block first + 8q + j in its low 32 bits (the
    // high 32 bits are don't-care: the multiply reads only the low half of each lane, and only the low
    // halves are kept at the end). One round:
    //   p0 = mul_epu32(x0, M0) = (lo0, hi0),  p1 = mul_epu32(x2, M1) = (lo1, hi1)    [per 64-bit lane]
    //   x0 = swap32(p1) ^ x1 ^ k0 = (hi1 ^ c1 ^ k0, ..),  x1 = p1 = (lo1, ..)
    //   x2 = swap32(p0) ^ x3 ^ k1 = (hi0 ^ c3 ^ k1, ..),  x3 = p0 = (lo0, ..)
    // which is the scalar round; out[2q] and out[2q + 1] are then blocks 8q..8q+3 and 8q+4..8q+7.
    template <std::size_t G>
    KILN_SIMD_INLINE static void philox_sliced(std::uint64_t first, key k, U (&out)[G]) {
        static_assert(G % 2 == 0, "kiln: philox_sliced fills registers two at a time");
        constexpr std::size_t Q = G / 2;
        __m512i x0[Q], x1[Q], x2[Q], x3[Q];
        const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
        KILN_UNROLL
        for (std::size_t q = 0; q < Q; ++q) {  // counter (lo32(b), hi32(b), 0, 0) of block b
            x0[q] = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first + 8 * q)), lane);
            x1[q] = avx512_srli64_32(x0[q]);
            x2[q] = _mm512_setzero_si512();
            x3[q] = _mm512_setzero_si512();
        }
        const __m512i m0 = _mm512_set1_epi64(static_cast<long long>(philox_m0));
        const __m512i m1 = _mm512_set1_epi64(static_cast<long long>(philox_m1));
        std::uint32_t k0 = k.k0, k1 = k.k1;
        KILN_UNROLL
        for (int r = 0; r < philox_rounds; ++r) {
            const __m512i kv0 = _mm512_set1_epi32(static_cast<int>(k0)), kv1 = _mm512_set1_epi32(static_cast<int>(k1));
            KILN_UNROLL
            for (std::size_t q = 0; q < Q; ++q) {
                const __m512i p0 = avx512_mul_epu32(x0[q], m0), p1 = avx512_mul_epu32(x2[q], m1);
                x0[q] = _mm512_ternarylogic_epi32(avx512_shuffle32<_MM_PERM_CDAB>(p1), x1[q], kv0, 0x96);
                x1[q] = p1;
                x2[q] = _mm512_ternarylogic_epi32(avx512_shuffle32<_MM_PERM_CDAB>(p0), x3[q], kv1, 0x96);
                x3[q] = p0;
            }
            k0 += philox_w0;
            k1 += philox_w1;
        }
        // (w0, w1) and (w2, w3) of each block as 64-bit lanes, then the two interleaved by lanes
        const __m512i first4 = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
        const __m512i last4 = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
        KILN_UNROLL
        for (std::size_t q = 0; q < Q; ++q) {
            const __m512i w01 = _mm512_mask_shuffle_epi32(x0[q], __mmask16(0xAAAA), x1[q], _MM_PERM_CDAB);
            const __m512i w23 = _mm512_mask_shuffle_epi32(x2[q], __mmask16(0xAAAA), x3[q], _MM_PERM_CDAB);
            out[2 * q] = U(_mm512_permutex2var_epi64(w01, first4, w23));
            out[2 * q + 1] = U(_mm512_permutex2var_epi64(w01, last4, w23));
        }
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
// split_pairs(a, b, first, second): the 32-bit words of a then b are pairs (words 2m, 2m+1); lane
// j of first and lane j of second are the two words of one pair, every pair in exactly one lane.
// Which pair lands in which lane is the register's business: join_pairs(first', second', a', b')
// undoes it, putting lane j's two words back where split_pairs took them from. Callers compute
// lane by lane in between, so only that round trip matters, and the in-lane shuffles of x86 do it
// in one instruction per register, without the lane-crossing permutes a strict deinterleave needs
// on AVX2 (per 128-bit lane: first = a0 a2 b0 b2, second = a1 a3 b1 b3).
template <class A>
KILN_SIMD_INLINE void split_pairs(const xsimd::batch<std::uint32_t, A>& a, const xsimd::batch<std::uint32_t, A>& b,
                                  xsimd::batch<std::uint32_t, A>& first, xsimd::batch<std::uint32_t, A>& second) {
    using U = xsimd::batch<std::uint32_t, A>;
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {  // a strict deinterleave: words 0, 2, 4, .. of a then b
        const __m512i ie = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        const __m512i io = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
        first = U(_mm512_permutex2var_epi32(a, ie, b));
        second = U(_mm512_permutex2var_epi32(a, io, b));
        return;
    }
#endif
#if XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) {
        const __m256 af = _mm256_castsi256_ps(a), bf = _mm256_castsi256_ps(b);
        first = U(_mm256_castps_si256(_mm256_shuffle_ps(af, bf, _MM_SHUFFLE(2, 0, 2, 0))));
        second = U(_mm256_castps_si256(_mm256_shuffle_ps(af, bf, _MM_SHUFFLE(3, 1, 3, 1))));
        return;
    }
#endif
    constexpr std::size_t n = U::size;
    alignas(A::alignment()) std::uint32_t w[2 * n], e[n], o[n];
    a.store_aligned(w);
    b.store_aligned(w + n);
    for (std::size_t j = 0; j < n; ++j) {
        e[j] = w[2 * j];
        o[j] = w[2 * j + 1];
    }
    first = U::load_aligned(e);
    second = U::load_aligned(o);
}
template <class A>
KILN_SIMD_INLINE void join_pairs(const xsimd::batch<std::uint32_t, A>& first, const xsimd::batch<std::uint32_t, A>& second,
                                 xsimd::batch<std::uint32_t, A>& a, xsimd::batch<std::uint32_t, A>& b) {
    using U = xsimd::batch<std::uint32_t, A>;
#if XSIMD_WITH_AVX512F
    if constexpr (std::is_base_of_v<xsimd::avx512f, A>) {
        const __m512i ia = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        const __m512i ib = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
        a = U(_mm512_permutex2var_epi32(first, ia, second));
        b = U(_mm512_permutex2var_epi32(first, ib, second));
        return;
    }
#endif
#if XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) {
        // per 128-bit lane: a = (f0 s0 f1 s1) = a's words 0 1 2 3 (4 5 6 7 in the upper lane), b likewise
        a = U(_mm256_unpacklo_epi32(first, second));
        b = U(_mm256_unpackhi_epi32(first, second));
        return;
    }
#endif
    constexpr std::size_t n = U::size;
    alignas(A::alignment()) std::uint32_t ew[n], ow[n], w[2 * n];
    first.store_aligned(ew);
    second.store_aligned(ow);
    for (std::size_t j = 0; j < n; ++j) {
        w[2 * j] = ew[j];
        w[2 * j + 1] = ow[j];
    }
    a = U::load_aligned(w);
    b = U::load_aligned(w + n);
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
