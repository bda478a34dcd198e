// kiln/random.hpp: counter-based random numbers. Element i of a random tensor is a pure function of
// (global seed, parameter name, i): no generator state, so the value does not depend on the thread
// count, the device, the evaluation order or the tensor's size.
//
//     kiln::random::seed(42);                                   // global seed (default 0)
//     auto k = kiln::random::key_for("conv0_weight");           // key of one parameter
//     Tensor<float, S, cpu> w = kiln::random::uniform<float>(s, k, -1.f, 1.f, cpu(0)) * scale;
//
// uniform()/normal() return lazy Exprs: they fuse with other operators and run in the cpu executor's
// SIMD loop or the gpu executor's transform. The SIMD path (simd<B>) and the scalar/device path
// (at) produce bit-identical values. The exact definition is in docs/random.md.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "config.hpp"
#include "detail/philox.hpp"
#include "detail/philox_simd.hpp"
#include "detail/random_math.hpp"
#include "tensor.hpp"

namespace kiln::random {

// ---------------------------------------------------------------------------------- global seed
// The seed a program starts with (as MXNet, whose default seed is 0).
inline constexpr std::uint64_t default_seed = 0;

namespace detail {
inline std::atomic<std::uint64_t> global_seed{default_seed};
}

// Sets the global seed (thread-safe). Keys derived afterwards by key_for(name) change; keys derived
// before, and the tensors drawn with them, do not.
inline void seed(std::uint64_t s) { detail::global_seed.store(s); }
inline std::uint64_t current_seed() { return detail::global_seed.load(); }

// The key of parameter `name` under the current global seed.
inline key key_for(std::string_view name) { return key_for(name, current_seed()); }

// ---------------------------------------------------------------------------------- scalar element
namespace detail {

KILN_HD inline counter block_counter(std::uint64_t b) {
    return counter{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), 0u, 0u}};
}

// u in [0, 1). Float: 24 bits per element, all 32 bits of every word used (4 floats from 3 words).
// Element i is in chunk c = i / 64 at f = i % 64; the chunk's 48 words X[0..47] are the word stream's
// W[48c .. 48c+47] (blocks 12c .. 12c+11). Rows f = 0..47: the top 24 bits of X[f]; row f = 48+n
// (n < 16): the low bytes of X[n], X[16+n], X[32+n] (least significant first). Lane-wise in 16-word
// rows, so a SIMD register of up to 16 floats computes a row from registers of words, no shuffles.
// Double: the top 53 bits of the 64-bit value (word 2j+1 << 32 | word 2j), j = i%2, of block i/2.
inline constexpr std::size_t uniform_chunk = 64;  // floats per chunk
inline constexpr std::uint64_t uniform_chunk_blocks = 12;
KILN_HD inline std::uint32_t top24(std::uint32_t w) { return w >> 8; }
KILN_HD inline std::uint32_t low_bytes24(std::uint32_t a, std::uint32_t b, std::uint32_t c) {
    return (a & 0xFFu) | ((b & 0xFFu) << 8) | ((c & 0xFFu) << 16);
}
KILN_HD inline float u24_unit(std::uint32_t u) { return static_cast<float>(u) * 0x1p-24f; }
KILN_HD inline float unit_uniform(key k, std::size_t i, float) {
    const std::uint64_t first = static_cast<std::uint64_t>(i / uniform_chunk) * uniform_chunk_blocks;
    const auto f = static_cast<unsigned>(i % uniform_chunk);
    if (f < 48) return u24_unit(top24(philox4x32_10(block_counter(first + f / 4), k).v[f & 3]));
    const unsigned n = f - 48;
    const counter a = philox4x32_10(block_counter(first + n / 4), k);
    const counter b = philox4x32_10(block_counter(first + 4 + n / 4), k);
    const counter c = philox4x32_10(block_counter(first + 8 + n / 4), k);
    return u24_unit(low_bytes24(a.v[n & 3], b.v[n & 3], c.v[n & 3]));
}
// The 16 unit floats of quad column q: u[4r + j] is element 64(q/4) + 16r + 4(q%4) + j (rows r =
// 0..3, j < 4), from the three blocks 12(q/4) + q%4 + {0, 4, 8}: one block per 16/3 elements, the
// gpu kernels' unit of work (one thread, four quads of vector stores).
KILN_HD inline void unit_uniform_column(key k, std::size_t q, float (&u)[16]) {
    const std::uint64_t first = static_cast<std::uint64_t>(q / 4) * uniform_chunk_blocks + q % 4;
    const counter a = philox4x32_10(block_counter(first), k);
    const counter b = philox4x32_10(block_counter(first + 4), k);
    const counter c = philox4x32_10(block_counter(first + 8), k);
    for (int j = 0; j < 4; ++j) {
        u[j] = u24_unit(top24(a.v[j]));
        u[4 + j] = u24_unit(top24(b.v[j]));
        u[8 + j] = u24_unit(top24(c.v[j]));
        u[12 + j] = u24_unit(low_bytes24(a.v[j], b.v[j], c.v[j]));
    }
}
KILN_HD inline double unit_uniform(key k, std::size_t i, double) {
    const counter c = philox4x32_10(block_counter(static_cast<std::uint64_t>(i) >> 1), k);
    const std::size_t j = (i & 1) * 2;
    const std::uint64_t x = (static_cast<std::uint64_t>(c.v[j + 1]) << 32) | c.v[j];
    return static_cast<double>(x >> 11) * 0x1p-53;
}

// low + (high - low) * u with one rounding, kept below high when low < high.
template <class T>
KILN_HD T scale_uniform(T u, T low, T high) {
    T r = fma_(u, high - low, low);
    if (low < high && !(r < high)) r = next_below(high);
    return r;
}

// sqrt(-2 ln u1) for u1 in (0, 1].
KILN_HD inline float box_muller_radius(float u1) {
    const std::uint32_t ix = bits_of(u1) + (0x3F800000u - 0x3F3504F3u);
    const float e = static_cast<float>(static_cast<int>(ix >> 23) - 127);
    const float y = float_of((ix & 0x007FFFFFu) + 0x3F3504F3u);
    return sqrt_(log_reduced<float>(e, y) * -2.0f);
}
KILN_HD inline double box_muller_radius(double u1) {
    const std::uint64_t ix = bits_of(u1) + (0x3FF0000000000000ull - 0x3FE6A09E667F3BCDull);
    const double e = static_cast<double>(static_cast<int>(ix >> 52) - 1023);
    const double y = double_of((ix & 0x000FFFFFFFFFFFFFull) + 0x3FE6A09E667F3BCDull);
    return sqrt_(log_reduced<double>(e, y) * -2.0);
}

// r * sin(pi/2 * (q + f)): quadrant q (only q mod 4 matters), f in [-1/2, 1/2).
template <class T>
KILN_HD T box_muller_finish(T u1, T f, std::uint32_t q) {
    const T r = box_muller_radius(u1);
    T v = (q & 1u) ? cos_quarter<T>(f) : sin_quarter<T>(f);
    if (q & 2u) v = -v;
    return r * v;
}

// A standard normal: Box-Muller on the pair of uniforms (u1, t); element 2m of the pair is
// r*cos(2 pi t), element 2m+1 is r*sin(2 pi t).
// A pair's uniforms: u1 in (0, 1], the angle's f in [-1/2, 1/2) and q, the quadrant of the pair's
// odd element (the even element's is q + 1), from words (0, 1) or (2, 3) of a block (float) or from
// a whole block (double).
template <class T>
struct normal_pair {
    T u1, f;
    std::uint32_t q;
};
KILN_HD inline normal_pair<float> normal_pair_of(const counter& c, std::size_t p) {
    const std::uint32_t n = (c.v[p + 1] >> 8) + 0x200000u;
    return {1.0f - static_cast<float>(c.v[p] >> 8) * 0x1p-24f, static_cast<float>(n & 0x3FFFFFu) * 0x1p-22f - 0.5f,
            n >> 22};
}
KILN_HD inline normal_pair<double> normal_pair_of(const counter& c) {
    const std::uint64_t x1 = (static_cast<std::uint64_t>(c.v[1]) << 32) | c.v[0];
    const std::uint64_t x2 = (static_cast<std::uint64_t>(c.v[3]) << 32) | c.v[2];
    const std::uint64_t n = (x2 >> 11) + (1ull << 50);
    return {1.0 - static_cast<double>(x1 >> 11) * 0x1p-53, static_cast<double>(n & ((1ull << 51) - 1)) * 0x1p-51 - 0.5,
            static_cast<std::uint32_t>(n >> 51)};
}

KILN_HD inline float unit_normal(key k, std::size_t i, float) {
    const counter c = philox4x32_10(block_counter(static_cast<std::uint64_t>(i) >> 2), k);
    const auto pr = normal_pair_of(c, i & 2);  // the pair: words (0, 1) or (2, 3)
    return box_muller_finish(pr.u1, pr.f, pr.q + static_cast<std::uint32_t>((i & 1) ^ 1));
}
KILN_HD inline double unit_normal(key k, std::size_t i, double) {
    const counter c = philox4x32_10(block_counter(static_cast<std::uint64_t>(i) >> 1), k);
    const auto pr = normal_pair_of(c);
    return box_muller_finish(pr.u1, pr.f, pr.q + static_cast<std::uint32_t>((i & 1) ^ 1));
}

// Elements 4j .. 4j+3 (float; one Philox block, two pairs) or 2j .. 2j+3 (double; two blocks, one pair
// each) at once, bit for bit unit_normal of each: a pair's radius (log and sqrt) and its sin and cos are
// computed once for both elements instead of once per element. For callers that evaluate 4 consecutive
// elements per thread (the gpu tag's grouped kernel); i is a multiple of 4.
template <class T>
KILN_HD T normal_of_quadrant(T r, T s, T c, std::uint32_t q) {  // box_muller_finish's last steps
    T v = (q & 1u) ? c : s;
    if (q & 2u) v = -v;
    return r * v;
}
// Both elements of a pair.
template <class T>
KILN_HD void unit_normal_pair(const normal_pair<T>& pr, T& even, T& odd) {
    const T r = box_muller_radius(pr.u1), sn = sin_quarter<T>(pr.f), cs = cos_quarter<T>(pr.f);
    even = normal_of_quadrant(r, sn, cs, pr.q + 1u);
    odd = normal_of_quadrant(r, sn, cs, pr.q);
}
KILN_HD inline void unit_normal_quad(key k, std::size_t i, float (&z)[4]) {
    const counter c = philox4x32_10(block_counter(static_cast<std::uint64_t>(i) >> 2), k);
    unit_normal_pair(normal_pair_of(c, 0), z[0], z[1]);
    unit_normal_pair(normal_pair_of(c, 2), z[2], z[3]);
}
KILN_HD inline void unit_normal_quad(key k, std::size_t i, double (&z)[4]) {
    for (std::size_t p = 0; p < 4; p += 2)
        unit_normal_pair(normal_pair_of(philox4x32_10(block_counter(static_cast<std::uint64_t>(i + p) >> 1), k)),
                         z[p], z[p + 1]);
}

// ---------------------------------------------------------------------------------- SIMD element
// Lane l of each function equals the scalar function at element i + l (bit for bit); i is a
// multiple of the batch width. All conversions below are exact, so only the order of the rounded
// operations (shared with the scalar path through random_math.hpp) matters.

// Exact conversion of integers below 2^52 (magic-number trick: 2^52 + v is a double with mantissa v).
template <class A>
KILN_SIMD_INLINE xsimd::batch<double, A> small_u64_to_double(const xsimd::batch<std::uint64_t, A>& v) {
    using B = xsimd::batch<double, A>;
    using U64 = xsimd::batch<std::uint64_t, A>;
    return xsimd::bitwise_cast<B>(v | U64(0x4330000000000000ull)) - B(0x1p52);
}
// Exact conversion of integers below 2^53: 2^26 * (shr<26>(v)) + (v mod 2^26), both parts exact.
template <class A>
KILN_SIMD_INLINE xsimd::batch<double, A> u53_to_double(const xsimd::batch<std::uint64_t, A>& v) {
    using B = xsimd::batch<double, A>;
    using U64 = xsimd::batch<std::uint64_t, A>;
    return small_u64_to_double(shr<26>(v)) * B(0x1p26) + small_u64_to_double(v & U64((1ull << 26) - 1));
}

inline constexpr std::uint64_t alternating_one_zero[16] = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};

// The Philox block of element i (i a multiple of the batch width): 4 floats or 2 doubles per block.
template <class T>
KILN_HD constexpr std::uint64_t block_of(std::size_t i) {
    return static_cast<std::uint64_t>(i) >> (std::is_same_v<T, float> ? 2 : 1);
}
template <class B>
using words_of = xsimd::batch<std::uint32_t, typename B::arch_type>;

// The words of elements i .. i+W-1; words_group: G batches of them, i.e. elements i .. i+G*W-1,
// with the Philox rounds interleaved.
template <class B>
KILN_SIMD_INLINE words_of<B> simd_words(key k, std::size_t i) {
    return word_ops<typename B::arch_type>::philox(block_of<typename B::value_type>(i), k);
}
template <class B, std::size_t G>
KILN_SIMD_INLINE void simd_words_group(key k, std::size_t i, words_of<B> (&w)[G]) {
    word_ops<typename B::arch_type>::philox_n(block_of<typename B::value_type>(i), k, w);
}

template <class B>
KILN_SIMD_INLINE B unit_uniform_from_words(const words_of<B>& w) {
    using T = typename B::value_type;
    using A = typename B::arch_type;
    if constexpr (std::is_same_v<T, float>) {
        return u24_to_float(shr<8>(w)) * B(0x1p-24f);
    } else {
        const auto x = xsimd::bitwise_cast<xsimd::batch<std::uint64_t, A>>(w);
        return u53_to_double(shr<11>(x)) * B(0x1p-53);
    }
}
// Float row 48+n of a chunk (unit_uniform): the low bytes of words n, 16+n, 32+n, lane by lane.
template <class A>
KILN_SIMD_INLINE xsimd::batch<float, A> unit_uniform_low_bytes(const xsimd::batch<std::uint32_t, A>& a,
                                                               const xsimd::batch<std::uint32_t, A>& b,
                                                               const xsimd::batch<std::uint32_t, A>& c) {
    using U = xsimd::batch<std::uint32_t, A>;
    const U m(0xFFu);
    return u24_to_float((a & m) | shl<8>(b & m) | shl<16>(c & m)) * xsimd::batch<float, A>(0x1p-24f);
}
template <class B>
KILN_SIMD_INLINE B unit_uniform_simd(key k, std::size_t i) {
    if constexpr (std::is_same_v<typename B::value_type, float>) {
        // A batch lies in one 16-float row of a chunk (i is a multiple of the width, at most 16).
        static_assert(16 % B::size == 0, "kiln: the float uniform layout needs batches of at most 16 floats");
        using ops = word_ops<typename B::arch_type>;
        const std::uint64_t first = static_cast<std::uint64_t>(i / uniform_chunk) * uniform_chunk_blocks;
        const std::size_t f = i % uniform_chunk;
        if (f < 48) return unit_uniform_from_words<B>(ops::philox(first + f / 4, k));
        const std::size_t n = f - 48;
        return unit_uniform_low_bytes(ops::philox(first + n / 4, k), ops::philox(first + 4 + n / 4, k),
                                      ops::philox(first + 8 + n / 4, k));
    } else {
        return unit_uniform_from_words<B>(simd_words<B>(k, i));
    }
}
// out[g] = unit_uniform_simd<B>(k, i + g W) for i a multiple of 64 and G W a multiple of 64: the
// G W / 64 chunks' words (3G/4 registers of consecutive blocks, rounds interleaved), then each
// chunk's rows lane by lane.
template <class B, std::size_t G>
KILN_SIMD_INLINE void unit_uniform_chunks(key k, std::size_t i, B (&out)[G]) {
    using A = typename B::arch_type;
    constexpr std::size_t W = B::size, R = 16 / W, NW = 3 * G / 4;  // R: registers per row
    static_assert((G * W) % uniform_chunk == 0);
    // Rounds interleaved over at most 8 registers at a time with 16 vector registers (SSE2: the 12
    // of a chunk in two halves), 12 with AVX-512's 32: more would spill the state.
    constexpr std::size_t cap = std::is_base_of_v<xsimd::avx512f, A> ? 12 : 8;
    constexpr std::size_t P = NW <= cap ? NW : NW / 2;
    static_assert(NW % P == 0 && P <= cap, "kiln: a uniform group's word registers split into two halves at most");
    words_of<B> w[NW];
    const std::uint64_t first = static_cast<std::uint64_t>(i / uniform_chunk) * uniform_chunk_blocks;
    KILN_UNROLL
    for (std::size_t p = 0; p < NW; p += P) {
        words_of<B> part[P];
        word_ops<A>::philox_n(first + p * (W / 4), k, part);
        KILN_UNROLL
        for (std::size_t j = 0; j < P; ++j) w[p + j] = part[j];
    }
    KILN_UNROLL
    for (std::size_t c = 0; c < G * W / uniform_chunk; ++c) {
        KILN_UNROLL
        for (std::size_t t = 0; t < 3 * R; ++t) out[4 * R * c + t] = unit_uniform_from_words<B>(w[3 * R * c + t]);
        KILN_UNROLL
        for (std::size_t s = 0; s < R; ++s)
            out[4 * R * c + 3 * R + s] =
                unit_uniform_low_bytes(w[3 * R * c + s], w[3 * R * c + R + s], w[3 * R * c + 2 * R + s]);
    }
}

// As scale_uniform. With low < high, r <= high always (u < 1), and next_below(high) is the largest
// value below high, so "r < high ? r : next_below(high)" is min(r, next_below(high)): one instruction.
template <class B, class T>
KILN_SIMD_INLINE B scale_uniform_simd(const B& u, T low, T high) {
    B r = fma_(u, B(high - low), B(low));
    if (low < high) r = xsimd::min(r, B(next_below(high)));
    return r;
}

// Box-Muller pieces shared by the per-lane and the by-pairs paths (the scalar twins are
// box_muller_radius and box_muller_finish): sqrt(-2 ln u1), r * (+-sin or +-cos) by quadrant q, and
// a double pair's inputs from its two 64-bit words. uint_of<T>: the unsigned integer of T's width.
template <class T>
using uint_of = std::conditional_t<std::is_same_v<T, float>, std::uint32_t, std::uint64_t>;

template <class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> radius_simd(const xsimd::batch<T, A>& u1) {
    using B = xsimd::batch<T, A>;
    if constexpr (std::is_same_v<T, float>) {
        using U = xsimd::batch<std::uint32_t, A>;
        const U ix = xsimd::bitwise_cast<U>(u1) + U(0x3F800000u - 0x3F3504F3u);
        const B e = u24_to_float(shr<23>(ix)) - B(127.0f);
        const B y = xsimd::bitwise_cast<B>((ix & U(0x007FFFFFu)) + U(0x3F3504F3u));
        return sqrt_(log_reduced<float>(e, y) * B(-2.0f));
    } else {
        using U64 = xsimd::batch<std::uint64_t, A>;
        const U64 ix = xsimd::bitwise_cast<U64>(u1) + U64(0x3FF0000000000000ull - 0x3FE6A09E667F3BCDull);
        const B e = small_u64_to_double(shr<52>(ix)) - B(1023.0);
        const B y = xsimd::bitwise_cast<B>((ix & U64(0x000FFFFFFFFFFFFFull)) + U64(0x3FE6A09E667F3BCDull));
        return sqrt_(log_reduced<double>(e, y) * B(-2.0));
    }
}
template <class T, class A>
KILN_SIMD_INLINE xsimd::batch<T, A> quadrant_value(const xsimd::batch<T, A>& r, const xsimd::batch<T, A>& s,
                                                   const xsimd::batch<T, A>& c, const xsimd::batch<uint_of<T>, A>& q) {
    using U = xsimd::batch<uint_of<T>, A>;
    constexpr int sign_from_bit1 = 8 * sizeof(T) - 2;
    const U pick_cos = U(0u) - (q & U(1u));
    const U v = ((xsimd::bitwise_cast<U>(c) & pick_cos) | (xsimd::bitwise_cast<U>(s) & ~pick_cos)) ^
                shl<sign_from_bit1>(q & U(2u));
    return r * xsimd::bitwise_cast<xsimd::batch<T, A>>(v);
}
// u1, f and the quadrant q of a double pair from its words x1 (words 0-1 of the block) and x2
// (words 2-3); q is the odd element's, the even element takes q + 1.
template <class A>
KILN_SIMD_INLINE void double_pair_inputs(const xsimd::batch<std::uint64_t, A>& x1, const xsimd::batch<std::uint64_t, A>& x2,
                                         xsimd::batch<double, A>& u1, xsimd::batch<double, A>& f,
                                         xsimd::batch<std::uint64_t, A>& q) {
    using B = xsimd::batch<double, A>;
    using U64 = xsimd::batch<std::uint64_t, A>;
    u1 = B(1.0) - u53_to_double(shr<11>(x1)) * B(0x1p-53);
    const U64 n = shr<11>(x2) + U64(1ull << 50);
    f = small_u64_to_double(n & U64((1ull << 51) - 1)) * B(0x1p-51) - B(0.5);
    q = shr<51>(n);
}

template <class B>
KILN_SIMD_INLINE B unit_normal_from_words(const words_of<B>& w) {
    using T = typename B::value_type;
    using A = typename B::arch_type;
    using ops = word_ops<A>;
    if constexpr (std::is_same_v<T, float>) {
        using U = xsimd::batch<std::uint32_t, A>;
        const U w1 = ops::dup_even32(w), w2 = ops::dup_odd32(w);
        const B u1 = B(1.0f) - u24_to_float(shr<8>(w1)) * B(0x1p-24f);
        const U n = shr<8>(w2) + U(0x200000u);
        const B f = u24_to_float(n & U(0x3FFFFFu)) * B(0x1p-22f) - B(0.5f);
        // +1 (cos) on even elements: as 32-bit lanes, the 64-bit value 1 is (1, 0).
        const U q = shr<22>(n) + xsimd::bitwise_cast<U>(xsimd::batch<std::uint64_t, A>(1));
        return quadrant_value(radius_simd(u1), sin_quarter<float>(f), cos_quarter<float>(f), q);
    } else {
        using U64 = xsimd::batch<std::uint64_t, A>;
        B u1, f;
        U64 q;
        double_pair_inputs(xsimd::bitwise_cast<U64>(ops::dup_lo64(w)), xsimd::bitwise_cast<U64>(ops::dup_hi64(w)), u1, f, q);
        // +1 (cos) on even elements
        q = q + U64::load_unaligned(alternating_one_zero);
        return quadrant_value(radius_simd(u1), sin_quarter<double>(f), cos_quarter<double>(f), q);
    }
}
template <class B>
KILN_SIMD_INLINE B unit_normal_simd(key k, std::size_t i) {
    return unit_normal_from_words<B>(simd_words<B>(k, i));
}

// A pair's two normals from its radius r, sin s, cos c and the odd element's quadrant q: the odd
// element is quadrant_value(r, s, c, q), the even one quadrant_value(r, s, c, q + 1), bit for bit,
// without computing q + 1: adding 1 swaps sin and cos (bit 0 flips), and bit 1 of q + 1 is bit 1 of
// q xor bit 0 of q.
template <class T, class A>
KILN_SIMD_INLINE void pair_values(const xsimd::batch<T, A>& r, const xsimd::batch<T, A>& s, const xsimd::batch<T, A>& c,
                                  const xsimd::batch<uint_of<T>, A>& q, xsimd::batch<T, A>& z_even,
                                  xsimd::batch<T, A>& z_odd) {
    using B = xsimd::batch<T, A>;
    using U = xsimd::batch<uint_of<T>, A>;
    constexpr int sign = 8 * sizeof(T) - 1;
    const U bit0 = shl<sign>(q);                    // bit 0 of q, in the sign bit
    const U flip_odd = shl<sign - 1>(q & U(2u));    // bit 1 of q, in the sign bit
    const U flip_even = flip_odd ^ bit0;            // bit 1 of q + 1
    U v_odd, v_even;                                // odd: q odd ? c : s; even: q odd ? s : c
#if XSIMD_WITH_AVX2
    if constexpr (std::is_base_of_v<xsimd::avx2, A>) {  // blendv picks by the sign bit alone
        if constexpr (std::is_same_v<T, float>) {
            const __m256 m = _mm256_castsi256_ps(bit0);
            v_odd = xsimd::bitwise_cast<U>(B(_mm256_blendv_ps(s, c, m)));
            v_even = xsimd::bitwise_cast<U>(B(_mm256_blendv_ps(c, s, m)));
        } else {
            const __m256d m = _mm256_castsi256_pd(bit0);
            v_odd = xsimd::bitwise_cast<U>(B(_mm256_blendv_pd(s, c, m)));
            v_even = xsimd::bitwise_cast<U>(B(_mm256_blendv_pd(c, s, m)));
        }
    } else
#endif
    {
        const U sb = xsimd::bitwise_cast<U>(s), cb = xsimd::bitwise_cast<U>(c);
        const U swap = (sb ^ cb) & (U(0u) - (q & U(1u)));
        v_odd = sb ^ swap;
        v_even = cb ^ swap;
    }
    z_odd = r * xsimd::bitwise_cast<B>(v_odd ^ flip_odd);
    z_even = r * xsimd::bitwise_cast<B>(v_even ^ flip_even);
}

// Float normals two registers at a time, by pairs. Elements 2m and 2m+1 share u1 and f (words 2m
// and 2m+1 of the block stream) and one of them takes cos, the other sin (their quadrants differ by
// one). unit_normal_from_words computes log, sqrt, sin and cos in every lane, i.e. twice per pair;
// here the 16 pairs of 32 words are split into one register of u1 words and one of n words (in
// whatever lane order split_pairs finds cheapest), the radius, sin and cos computed once per pair,
// and the two results of each pair put back in their words' places. Same operations on the same
// values as the per-lane path, so the same bits.
template <class A>
KILN_SIMD_INLINE void unit_normal_pairs(const xsimd::batch<std::uint32_t, A>& wa, const xsimd::batch<std::uint32_t, A>& wb,
                                        xsimd::batch<float, A>& za, xsimd::batch<float, A>& zb) {
    using B = xsimd::batch<float, A>;
    using U = xsimd::batch<std::uint32_t, A>;
    U even, odd;  // each pair's u1 word and n word, lane by lane
    split_pairs(wa, wb, even, odd);
    const B u1 = B(1.0f) - u24_to_float(shr<8>(even)) * B(0x1p-24f);
    const U n = shr<8>(odd) + U(0x200000u);
    const B f = u24_to_float(n & U(0x3FFFFFu)) * B(0x1p-22f) - B(0.5f);
    const U q_odd = shr<22>(n);  // element 2m+1; element 2m has q_odd + 1
    const B r = radius_simd(u1);
    const B sn = sin_quarter<float>(f), cs = cos_quarter<float>(f);
    B z_even, z_odd;
    pair_values(r, sn, cs, q_odd, z_even, z_odd);
    U lo, hi;
    join_pairs(xsimd::bitwise_cast<U>(z_even), xsimd::bitwise_cast<U>(z_odd), lo, hi);
    za = xsimd::bitwise_cast<B>(lo);
    zb = xsimd::bitwise_cast<B>(hi);
}

#if XSIMD_WITH_AVX2
// Double normals by pairs on AVX2, as unit_normal_pairs for floats: a double pair is one whole
// Philox block (elements 2b and 2b+1: u1 from words 0-1, the angle from words 2-3). Two registers
// of words are four blocks; the in-lane 64-bit unpacks split them into a register of the four u1
// words and one of the four angle words (per 128-bit lane: blocks 0, 2 | 1, 3) and put the four
// pairs' results back in element order. The radius, sin and cos are then computed once per pair
// instead of once per element, by the same operations as unit_normal_from_words, so the same bits.
template <class A>
KILN_SIMD_INLINE void unit_normal_pairs_f64(const xsimd::batch<std::uint32_t, A>& wa, const xsimd::batch<std::uint32_t, A>& wb,
                                            xsimd::batch<double, A>& za, xsimd::batch<double, A>& zb) {
    using B = xsimd::batch<double, A>;
    using U64 = xsimd::batch<std::uint64_t, A>;
    B u1, f, z_even, z_odd;
    U64 q;
    double_pair_inputs(U64(_mm256_unpacklo_epi64(wa, wb)), U64(_mm256_unpackhi_epi64(wa, wb)), u1, f, q);
    pair_values(radius_simd(u1), sin_quarter<double>(f), cos_quarter<double>(f), q, z_even, z_odd);
    za = B(_mm256_unpacklo_pd(z_even, z_odd));
    zb = B(_mm256_unpackhi_pd(z_even, z_odd));
}
#endif

}  // namespace detail
}  // namespace kiln::random

namespace kiln::node {

// Element i = low + (high - low) * u_i, u_i in [0, 1) (see docs/random.md for the bits).
template <class T>
struct uniform_random {
    using value_type = T;
    static constexpr bool vectorizable = true;
    static constexpr bool counter_blocks = true;  // a Philox block gives several elements
    random::key k;
    T low;
    T high;
    KILN_HD T at(std::size_t i) const {
        return random::detail::scale_uniform(random::detail::unit_uniform(k, i, T{}), low, high);
    }
    template <class B>
    KILN_SIMD_INLINE B simd(std::size_t i) const {
        static_assert(std::is_same_v<typename B::value_type, T>);
        return random::detail::scale_uniform_simd(random::detail::unit_uniform_simd<B>(k, i), low, high);
    }
    template <class B, std::size_t G>
    KILN_SIMD_INLINE void simd_group(std::size_t i, B (&out)[G]) const {
        if constexpr (std::is_same_v<T, float>) {
            if constexpr ((G * B::size) % random::detail::uniform_chunk == 0) {
                if (i % random::detail::uniform_chunk == 0) {  // always, from the cpu executor
                    random::detail::unit_uniform_chunks(k, i, out);
                    KILN_UNROLL
                    for (std::size_t g = 0; g < G; ++g) out[g] = random::detail::scale_uniform_simd(out[g], low, high);
                    return;
                }
            }
            KILN_UNROLL
            for (std::size_t g = 0; g < G; ++g) out[g] = simd<B>(i + g * B::size);
        } else {
            random::detail::words_of<B> w[G];
            random::detail::simd_words_group<B>(k, i, w);
            KILN_UNROLL
            for (std::size_t g = 0; g < G; ++g)
                out[g] = random::detail::scale_uniform_simd(random::detail::unit_uniform_from_words<B>(w[g]), low, high);
        }
    }
    // Float: elements 64(q/4) + 16r + 4(q%4) + j, r, j < 4, as v[4r + j] (random::detail::unit_uniform_column):
    // the gpu kernels' work item, three Philox blocks for 16 elements.
    KILN_HD void column(std::size_t q, T (&v)[16]) const
        requires std::is_same_v<T, float>
    {
        random::detail::unit_uniform_column(k, q, v);
        for (int j = 0; j < 16; ++j) v[j] = random::detail::scale_uniform(v[j], low, high);
    }
    template <class F>
    void leaves(F&&) const {}
};

// Element i ~ N(mean, sigma^2) by Box-Muller: fma(z_i, sigma, mean), z_i standard normal.
// Vectorized only where the SIMD fma is a fused instruction (x86 FMA3/AVX-512, AArch64); elsewhere
// the cpu executor uses at(i) (software-exact fma), which gives the same bits.
template <class T>
struct normal_random {
    using value_type = T;
    static constexpr bool vectorizable = random::detail::simd_fma_is_fused;
    static constexpr bool counter_blocks = true;
    random::key k;
    T mean;
    T sigma;
    KILN_HD T at(std::size_t i) const {
        return random::detail::fma_(random::detail::unit_normal(k, i, T{}), sigma, mean);
    }
    // at(i) .. at(i + 3) for i a multiple of 4, sharing each pair's log, sqrt, sin and cos.
    KILN_HD void quad(std::size_t i, T (&out)[4]) const {
        random::detail::unit_normal_quad(k, i, out);
        for (std::size_t j = 0; j < 4; ++j) out[j] = random::detail::fma_(out[j], sigma, mean);
    }
    template <class B>
    KILN_SIMD_INLINE B simd(std::size_t i) const {
        static_assert(std::is_same_v<typename B::value_type, T>);
        return random::detail::fma_(random::detail::unit_normal_simd<B>(k, i), B(sigma), B(mean));
    }
    template <class B, std::size_t G>
    KILN_SIMD_INLINE void simd_group(std::size_t i, B (&out)[G]) const {
        random::detail::words_of<B> w[G];
        random::detail::simd_words_group<B>(k, i, w);
        if constexpr (std::is_same_v<T, float> && G % 2 == 0) {
            KILN_UNROLL
            for (std::size_t g = 0; g < G; g += 2) random::detail::unit_normal_pairs(w[g], w[g + 1], out[g], out[g + 1]);
#if XSIMD_WITH_AVX2
        } else if constexpr (std::is_same_v<T, double> && G % 2 == 0 &&
                             std::is_base_of_v<xsimd::avx2, typename B::arch_type>) {
            KILN_UNROLL
            for (std::size_t g = 0; g < G; g += 2)
                random::detail::unit_normal_pairs_f64(w[g], w[g + 1], out[g], out[g + 1]);
#endif
        } else {
            KILN_UNROLL
            for (std::size_t g = 0; g < G; ++g) out[g] = random::detail::unit_normal_from_words<B>(w[g]);
        }
        KILN_UNROLL
        for (std::size_t g = 0; g < G; ++g) out[g] = random::detail::fma_(out[g], B(sigma), B(mean));
    }
    template <class F>
    void leaves(F&&) const {}
};

}  // namespace kiln::node

namespace kiln::random {

// ---------------------------------------------------------------------------------- factories
// Lazy expressions of shape s on ctx; element i depends only on (k, i).
template <Element T, ShapeType S, Device D = cpu>
auto uniform(const S& s, key k, T low, std::type_identity_t<T> high, D ctx = D{}) {
    using N = node::uniform_random<T>;
    return Expr<N, S, D>(N{k, low, high}, s, ctx);
}

template <Element T, ShapeType S, Device D = cpu>
auto normal(const S& s, key k, T mean, std::type_identity_t<T> sigma, D ctx = D{}) {
    using N = node::normal_random<T>;
    return Expr<N, S, D>(N{k, mean, sigma}, s, ctx);
}

}  // namespace kiln::random

#ifdef KILN_SEPARATE_KERNELS
// The cpu fills of the built-in initializers (a random node assigned to a whole tensor), compiled
// once in <kiln/separate_kernels.hpp> (see there): about 1 s of g++ -O2 per file that initializes.
namespace kiln::cpu_exec {
extern template void assign<float, node::uniform_random<float>>(float*, const node::uniform_random<float>&, std::size_t);
extern template void assign<double, node::uniform_random<double>>(double*, const node::uniform_random<double>&,
                                                                   std::size_t);
extern template void assign<float, node::normal_random<float>>(float*, const node::normal_random<float>&, std::size_t);
extern template void assign<double, node::normal_random<double>>(double*, const node::normal_random<double>&,
                                                                  std::size_t);
}  // namespace kiln::cpu_exec
#endif
