// Counter-based random numbers (kiln/random.hpp, docs/random.md): Philox known answers, key
// derivation, the reference table, bit identity of SIMD body / scalar tail / gpu tag, purity, and
// the statistics of large samples.
#include "kiln_test.hpp"

#include <kiln/random.hpp>
#if KILN_HAS_GPU_BACKEND
#include <kiln/gpu/elements.hpp>  // gpu_exec::column_node
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

using namespace kiln;

namespace {

// Restores the global seed when a test that changes it ends (tests must not leak seeds).
struct seed_guard {
    std::uint64_t saved = random::current_seed();
    ~seed_guard() { random::seed(saved); }
};

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <class T>
bool same_bits(T a, T b) {
    return std::memcmp(&a, &b, sizeof(T)) == 0;
}

// Every lane of simd<B>(i) equals at(i + lane), bit for bit.
template <class Node>
void check_simd_matches_scalar(const Node& nd, std::size_t first, std::size_t count) {
    using T = typename Node::value_type;
    using B = kiln::simd::batch<T>;
    constexpr std::size_t W = B::size;
    if constexpr (Node::vectorizable) {
        alignas(kiln::simd::alignment) T lanes[W];
        for (std::size_t i = first; i < first + count; i += W) {
            nd.template simd<B>(i).store_aligned(lanes);
            for (std::size_t l = 0; l < W; ++l) {
                const T s = nd.at(i + l);
                INFO("element ", i + l, ": simd ", lanes[l], " vs at ", s);
                REQUIRE(same_bits(lanes[l], s));
            }
        }
        // simd_group (the executor's path for random trees: interleaved Philox, normals by pairs)
        constexpr std::size_t G = kiln::cpu_exec::random_group_for<T>;
        for (std::size_t i = first; i + G * W <= first + count; i += G * W) {
            B v[G];
            kiln::node::simd_group(nd, i, v);
            for (std::size_t g = 0; g < G; ++g) {
                v[g].store_aligned(lanes);
                for (std::size_t l = 0; l < W; ++l) {
                    const T s = nd.at(i + g * W + l);
                    INFO("element ", i + g * W + l, " (group): simd ", lanes[l], " vs at ", s);
                    REQUIRE(same_bits(lanes[l], s));
                }
            }
        }
    }
}

struct moments {
    double mean = 0, var = 0;
};
template <class T>
moments moments_of(const std::vector<T>& v) {
    double s = 0;
    for (T x : v) s += static_cast<double>(x);
    const double m = s / static_cast<double>(v.size());
    double q = 0;
    for (T x : v) q += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
    return {m, q / static_cast<double>(v.size() - 1)};
}

// Kolmogorov-Smirnov statistic of the sample against the continuous CDF cdf.
template <class T, class Cdf>
double ks_statistic(std::vector<T> v, Cdf cdf) {
    std::sort(v.begin(), v.end());
    const double n = static_cast<double>(v.size());
    double d = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const double f = cdf(static_cast<double>(v[i]));
        d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
    }
    return d;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

template <class T>
double ulp_distance(T got, long double ref) {
    const T r = static_cast<T>(ref);
    const long double step = static_cast<long double>(std::nextafter(r, std::numeric_limits<T>::infinity()) - r);
    return static_cast<double>(std::fabs((static_cast<long double>(got) - ref) / step));
}

}  // namespace

// ------------------------------------------------------------------------------------- generator
TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors") {
    using random::counter;
    using random::key;
    using random::philox4x32_10;
    // Random123 kat_vectors, "philox4x32 10" lines: counter, key -> output.
    CHECK(philox4x32_10(counter{{0, 0, 0, 0}}, key{0, 0}) ==
          counter{{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
    CHECK(philox4x32_10(counter{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, key{0xffffffffu, 0xffffffffu}) ==
          counter{{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}});
    CHECK(philox4x32_10(counter{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, key{0xa4093822u, 0x299f31d0u}) ==
          counter{{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}});
    // constexpr: the same answer at compile time
    static_assert(philox4x32_10(counter{{0, 0, 0, 0}}, key{0, 0}) ==
                  counter{{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}});
}

TEST_CASE("the SIMD Philox computes the scalar blocks, in order") {
    using B = kiln::simd::batch<std::uint32_t>;
    using A = B::arch_type;
    const random::key k{0xa4093822u, 0x299f31d0u};
    for (std::uint64_t first : {0ull, 1ull, 0xfffffff0ull, 0xffffffffull, ~0ull - 3}) {
        alignas(kiln::simd::alignment) std::uint32_t w[B::size];
        random::detail::word_ops<A>::philox(first, k).store_aligned(w);
        for (std::size_t g = 0; g < B::size / 4; ++g) {
            const std::uint64_t b = first + g;
            const auto c = random::philox4x32_10(
                random::counter{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), 0, 0}}, k);
            for (std::size_t j = 0; j < 4; ++j) CHECK(w[4 * g + j] == c.v[j]);
        }
    }
    // the portable fallback (architectures without intrinsics here) agrees with the compiled-in one
    using ops = random::detail::word_ops<A>;
    using generic = random::detail::word_ops<A, random::detail::word_impl::generic>;
    auto same = [](const B& x, const B& y) {
        alignas(kiln::simd::alignment) std::uint32_t a[B::size], b[B::size];
        x.store_aligned(a);
        y.store_aligned(b);
        return std::equal(a, a + B::size, b);
    };
    const B w = ops::philox(12345, k);
    CHECK(same(w, generic::philox(12345, k)));
    CHECK(same(ops::dup_even32(w), generic::dup_even32(w)));
    CHECK(same(ops::dup_odd32(w), generic::dup_odd32(w)));
    CHECK(same(ops::dup_lo64(w), generic::dup_lo64(w)));
    CHECK(same(ops::dup_hi64(w), generic::dup_hi64(w)));
}

// ------------------------------------------------------------------------------------- keys
TEST_CASE("key derivation: FNV-1a 64 of the name, splitmix64 with the seed") {
    using random::detail::fnv1a64;
    using random::detail::splitmix64;
    static_assert(fnv1a64("") == 0xcbf29ce484222325ull);
    static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cull);
    static_assert(splitmix64(0) == 0xe220a8397b1dcdafull);  // first output of splitmix64 seeded with 0
    constexpr random::key k = random::key_for("conv0_weight", 0);
    static_assert(k.k0 == 0x3575a474u && k.k1 == 0xb677dd2au);
    const std::uint64_t h = splitmix64(splitmix64(7) ^ fnv1a64("dense0_bias"));
    CHECK(random::key_for("dense0_bias", 7) == random::key{static_cast<std::uint32_t>(h), static_cast<std::uint32_t>(h >> 32)});
}

TEST_CASE("the global seed: default 0, seed() changes key_for") {
    static_assert(random::default_seed == 0);
    CHECK(random::current_seed() == random::default_seed);
    CHECK(random::key_for("conv0_weight") == random::key_for("conv0_weight", 0));
    seed_guard guard;
    random::seed(42);
    CHECK(random::current_seed() == 42);
    CHECK(random::key_for("conv0_weight") == random::key_for("conv0_weight", 42));
    CHECK(random::key_for("conv0_weight") != random::key_for("conv0_weight", 0));
    random::seed(0);
    CHECK(random::key_for("conv0_weight") == random::key_for("conv0_weight", 0));
}

// ------------------------------------------------------------------------------------- reference
TEST_CASE_TEMPLATE("reference values of docs/random.md (seed 0, \"conv0_weight\")", D, KILN_TEST_DEVICES) {
    const auto k = random::key_for("conv0_weight", 0);
    const auto s = shape(c<4>);
    const std::vector<float> uf = {0x1.9523ecp-2f, 0x1.e2b988p-1f, 0x1.65458p-7f, 0x1.b0afcp-4f};
    const std::vector<float> nf = {0x1.e1080ep-1f, -0x1.694ffap-2f, 0x1.ddbf4ap-4f, 0x1.75a5d6p-4f};
    const std::vector<double> ud = {0x1.e2b98924ca91fp-1, 0x1.b0afcf502ca88p-4, 0x1.dd9b875e09ad2p-1,
                                    0x1.4edb469fd26c2p-2};
    const std::vector<double> nd = {0x1.e2695e43d4806p+0, 0x1.794bcd3cca718p+0, -0x1.14c433c52b4a1p+0,
                                    0x1.075300a449edp+1};
    CHECK(same_bits(eval(random::uniform<float>(s, k, 0.f, 1.f, D(0))).to_vector(), uf));
    CHECK(same_bits(eval(random::normal<float>(s, k, 0.f, 1.f, D(0))).to_vector(), nf));
    CHECK(same_bits(eval(random::uniform<double>(s, k, 0., 1., D(0))).to_vector(), ud));
    CHECK(same_bits(eval(random::normal<double>(s, k, 0., 1., D(0))).to_vector(), nd));
}

// docs/random.md section 4, written from the word stream W[4b + j] = word j of block b: float
// element 64c + f takes the top 24 bits of W[48c + f] (f < 48) or the low bytes of W[48c + n],
// W[48c + 16 + n], W[48c + 32 + n] (f = 48 + n), least significant first.
TEST_CASE("uniform<float> follows the word-stream definition: 24 bits per element, 4 elements from 3 words") {
    const auto k = random::key_for("conv0_weight", 0);
    auto word = [&](std::uint64_t w) {
        const std::uint64_t b = w / 4;
        return random::philox4x32_10(random::counter{{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), 0, 0}},
                                     k).v[w % 4];
    };
    auto expected = [&](std::size_t i) {
        const std::uint64_t x = static_cast<std::uint64_t>(i / 64) * 48;
        const std::size_t f = i % 64;
        const std::uint32_t u = f < 48 ? word(x + f) >> 8
                                       : (word(x + f - 48) & 0xFFu) | (word(x + f - 32) & 0xFFu) << 8 |
                                             (word(x + f - 16) & 0xFFu) << 16;
        return static_cast<float>(u) / 16777216.0f;
    };
    const std::size_t top = std::numeric_limits<std::size_t>::max() - 127;
    for (std::size_t first : {std::size_t{0}, std::size_t{64} * 1000003, top - top % 64}) {
        const node::uniform_random<float> e{k, 0.f, 1.f};
        for (std::size_t i = first; i < first + 128; ++i) {
            CAPTURE(i);
            REQUIRE(same_bits(e.at(i), expected(i)));
        }
    }
    // and the cpu executor's fill (SIMD chunks, the 16-batch path of a tail, the scalar tail) draws the same
    const auto t = eval(random::uniform<float>(shape(std::size_t{64} * 37 + 16 + 3), k, 0.f, 1.f)).to_vector();
    for (std::size_t i = 0; i < t.size(); ++i) {
        CAPTURE(i);
        REQUIRE(same_bits(t[i], expected(i)));
    }
}

// ------------------------------------------------------------------------------------- bit identity
TEST_CASE("simd<B>(i) lane l equals at(i + l) bit for bit") {
    const auto k = random::key_for("conv0_weight", 0);
    const auto k2 = random::key_for("fc_bias", 0xdeadbeefcafef00dull);
    using B = kiln::simd::batch<float>;
    const std::size_t far = (std::size_t{1} << 34) - 64 * B::size;  // block counters above 2^32
    const std::size_t top = std::numeric_limits<std::size_t>::max() - 64 * B::size + 1;
    for (std::size_t first : {std::size_t{0}, std::size_t{4096}, far, top - top % B::size}) {
        CAPTURE(first);
        check_simd_matches_scalar(node::uniform_random<float>{k, 0.f, 1.f}, first, 4096);
        check_simd_matches_scalar(node::uniform_random<float>{k2, -3.5f, 0.25f}, first, 4096);
        check_simd_matches_scalar(node::uniform_random<float>{k, 1.f, 1.f + 0x1p-23f}, first, 1024);  // clamping
        check_simd_matches_scalar(node::uniform_random<float>{k, 2.f, -1.f}, first, 1024);             // reversed
        check_simd_matches_scalar(node::uniform_random<double>{k, 0., 1.}, first, 4096);
        check_simd_matches_scalar(node::uniform_random<double>{k2, -1e-3, 7.25}, first, 4096);
        check_simd_matches_scalar(node::uniform_random<double>{k, 1., 1. + 0x1p-52}, first, 1024);
        check_simd_matches_scalar(node::normal_random<float>{k, 0.f, 1.f}, first, 4096);
        check_simd_matches_scalar(node::normal_random<float>{k2, -2.f, 0.01f}, first, 4096);
        check_simd_matches_scalar(node::normal_random<double>{k, 0., 1.}, first, 4096);
        check_simd_matches_scalar(node::normal_random<double>{k2, 3., 1e-4}, first, 4096);
    }
}

// The pieces of the by-pairs float normals (unit_normal_pairs), on the compiled-in registers and on
// SSE2 registers, whose portable branches AVX-512 and NEON also take.
template <class A>
void check_split_join_pairs() {
    using U = xsimd::batch<std::uint32_t, A>;
    constexpr std::size_t n = U::size;
    alignas(A::alignment()) std::uint32_t w[2 * n], f[n], s[n], a[n], b[n];
    for (std::size_t j = 0; j < 2 * n; ++j) w[j] = 0x1000u + static_cast<std::uint32_t>(j);  // word j holds j
    U first, second, ja, jb;
    random::detail::split_pairs(U::load_aligned(w), U::load_aligned(w + n), first, second);
    first.store_aligned(f);
    second.store_aligned(s);
    std::vector<int> seen(n, 0);
    for (std::size_t j = 0; j < n; ++j) {
        const std::uint32_t m = (f[j] - 0x1000u) / 2;  // the pair in lane j
        INFO("lane ", j, ": words ", f[j] - 0x1000u, " and ", s[j] - 0x1000u);
        REQUIRE(f[j] - 0x1000u == 2 * m);
        REQUIRE(s[j] - 0x1000u == 2 * m + 1);
        REQUIRE(m < n);
        ++seen[m];
    }
    CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<std::ptrdiff_t>(n));  // every pair once
    random::detail::join_pairs(first, second, ja, jb);
    ja.store_aligned(a);
    jb.store_aligned(b);
    CHECK(std::memcmp(a, w, sizeof a) == 0);
    CHECK(std::memcmp(b, w + n, sizeof b) == 0);
}

template <class T, class A>
void check_pair_values() {
    using B = xsimd::batch<T, A>;
    using UI = random::detail::uint_of<T>;
    using U = xsimd::batch<UI, A>;
    constexpr std::size_t n = B::size;
    const T sins[] = {T(0.25), T(-0.7), T(0), -T(0), T(1)};
    const T coss[] = {T(0.96), T(0.5), T(1), T(0.3), -T(0)};
    alignas(A::alignment()) T rv[n], sv[n], cv[n], ze[n], zo[n], re[n], ro[n];
    alignas(A::alignment()) UI qv[n];
    for (UI q0 = 0; q0 < 8; ++q0) {  // q0 + l covers every quadrant and both low bits in every lane
        for (std::size_t l = 0; l < n; ++l) {
            qv[l] = (q0 + static_cast<UI>(l)) % 5;  // quadrants 0..4, as n >> 22 (n >> 51) gives
            rv[l] = T(1.5) + T(0.125) * static_cast<T>(l);
            sv[l] = sins[(q0 + l) % 5];
            cv[l] = coss[(q0 + 2 * l) % 5];
        }
        const B r = B::load_aligned(rv), sn = B::load_aligned(sv), cs = B::load_aligned(cv);
        const U q = U::load_aligned(qv);
        B z_even, z_odd;
        random::detail::pair_values(r, sn, cs, q, z_even, z_odd);
        z_even.store_aligned(ze);
        z_odd.store_aligned(zo);
        random::detail::quadrant_value(r, sn, cs, q + U(1u)).store_aligned(re);
        random::detail::quadrant_value(r, sn, cs, q).store_aligned(ro);
        for (std::size_t l = 0; l < n; ++l) {
            INFO("q ", qv[l], " r ", rv[l], " sin ", sv[l], " cos ", cv[l]);
            CHECK(same_bits(ze[l], re[l]));
            CHECK(same_bits(zo[l], ro[l]));
        }
    }
}

TEST_CASE("normals by pairs: split_pairs / join_pairs round trip, pair_values equals quadrant_value (float, double)") {
    using A = kiln::simd::batch<float>::arch_type;
    check_split_join_pairs<A>();
    check_pair_values<float, A>();
    check_pair_values<double, A>();
#if XSIMD_WITH_SSE2
    check_split_join_pairs<xsimd::sse2>();
    check_pair_values<float, xsimd::sse2>();
    check_pair_values<double, xsimd::sse2>();
#endif
}

// normal_random::quad (what the gpu tag's grouped kernel calls) shares a Box-Muller pair's log, sqrt,
// sin and cos between its two elements; every value must still be at(i + j)'s, bit for bit.
template <class T>
void check_quad_matches_at(const node::normal_random<T>& e, std::size_t first, std::size_t count) {
    std::size_t mismatches = 0;
    for (std::size_t i = first; i - first < count; i += 4) {
        T q[4];
        e.quad(i, q);
        for (std::size_t j = 0; j < 4; ++j) {
            const T a = e.at(i + j);
            if (std::memcmp(&a, &q[j], sizeof(T)) != 0 && ++mismatches <= 3)
                FAIL_CHECK("quad(" << i << ")[" << j << "] = " << q[j] << ", at(" << i + j << ") = " << a);
        }
    }
    CHECK(mismatches == 0);
}

TEST_CASE("normal_random::quad(i) equals at(i) .. at(i + 3) bit for bit") {
    const auto k = random::key_for("conv0_weight", 0);
    const auto k2 = random::key_for("fc_bias", 0xdeadbeefcafef00dull);
    const std::size_t top = std::numeric_limits<std::size_t>::max() - 4095;  // i + 3 still representable
    for (std::size_t first : {std::size_t{0}, std::size_t{4096}, (std::size_t{1} << 34) - 64, top - top % 4}) {
        CAPTURE(first);
        check_quad_matches_at(node::normal_random<float>{k, 0.f, 1.f}, first, 1 << 14);
        check_quad_matches_at(node::normal_random<float>{k2, -2.f, 0.01f}, first, 1 << 14);
        check_quad_matches_at(node::normal_random<double>{k, 0., 1.}, first, 1 << 14);
        check_quad_matches_at(node::normal_random<double>{k2, 3., 1e-4}, first, 1 << 14);
    }
}

// Quad column q of the float uniform (the gpu kernels' work item) holds elements 64(q/4) + 16r + 4(q%4) + j.
TEST_CASE("uniform_random<float>::column(q) equals at() of its 16 elements bit for bit") {
    const auto k = random::key_for("conv0_weight", 0);
    const auto k2 = random::key_for("fc_bias", 0xdeadbeefcafef00dull);
    const std::size_t top = std::numeric_limits<std::size_t>::max() - 4095;  // the chunk at the top of size_t
    for (std::size_t first : {std::size_t{0}, std::size_t{4096}, (std::size_t{1} << 34) - 64, top - top % 64}) {
        CAPTURE(first);
        for (const auto& e : {node::uniform_random<float>{k, 0.f, 1.f}, node::uniform_random<float>{k2, -3.5f, 0.25f}}) {
            std::size_t mismatches = 0;
            for (std::size_t q = first / 16; q < first / 16 + 256; ++q) {
                float v[16];
                e.column(q, v);
                for (std::size_t r = 0; r < 4; ++r)
                    for (std::size_t j = 0; j < 4; ++j) {
                        const std::size_t i = q / 4 * 64 + 16 * r + q % 4 * 4 + j;
                        const float a = e.at(i);
                        if (!same_bits(a, v[4 * r + j]) && ++mismatches <= 3)
                            FAIL_CHECK("column(" << q << ")[" << 4 * r + j << "] = " << v[4 * r + j] << ", at(" << i
                                                 << ") = " << a);
                    }
            }
            CHECK(mismatches == 0);
        }
    }
}
#if KILN_HAS_GPU_BACKEND
// ... and the gpu executors take that route for it alone
static_assert(gpu_exec::column_node<node::uniform_random<float>>);
static_assert(!gpu_exec::column_node<node::uniform_random<double>>);
static_assert(!gpu_exec::column_node<node::normal_random<float>>);
static_assert(!gpu_exec::column_node<node::binary<ops::multiplies, node::uniform_random<float>, node::scalar<float>>>);
#endif

// The gpu executors give a thread 4 consecutive elements exactly when a tree draws random numbers.
static_assert(node::draws_counter_blocks<node::uniform_random<float>>::value);
static_assert(node::draws_counter_blocks<node::normal_random<double>>::value);
static_assert(node::draws_counter_blocks<
              node::binary<ops::multiplies, node::leaf<float>, node::unary<ops::negate, node::normal_random<float>>>>::value);
static_assert(node::draws_counter_blocks<node::convert<double, node::uniform_random<float>>>::value);
static_assert(!node::draws_counter_blocks<node::binary<ops::plus, node::leaf<float>, node::scalar<float>>>::value);

#if KILN_HAS_GPU_BACKEND
TEST_CASE("cpu and gpu tags draw bit-identical tensors (SIMD body + tail vs at(i))") {
    const auto k = random::key_for("conv0_weight", 0);
    for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{16}, std::size_t{37}, std::size_t{4608},
                          std::size_t{100003}}) {
        CAPTURE(n);
        const auto s = shape(n);
        auto both = [&](auto make) {
            auto a = eval(make(cpu(0))).to_vector();
            auto b = eval(make(gpu(0))).to_vector();
            REQUIRE(a.size() == n);
            CHECK(same_bits(a, b));
        };
        both([&](auto ctx) { return random::uniform<float>(s, k, -1.f, 1.f, ctx); });
        both([&](auto ctx) { return random::uniform<double>(s, k, -1., 1., ctx); });
        both([&](auto ctx) { return random::normal<float>(s, k, 0.5f, 2.f, ctx); });
        both([&](auto ctx) { return random::normal<double>(s, k, 0.5, 2., ctx); });
        // fused with other operators
        both([&](auto ctx) { return random::uniform<float>(s, k, -1.f, 1.f, ctx) * 0.125f + 1.f; });
        both([&](auto ctx) { return random::normal<double>(s, k, 0., 1., ctx) * random::uniform<double>(s, k, 0., 1., ctx); });
        // into a view one element past an aligned address (under CUDA the kernel then stores element
        // by element instead of 16 bytes at a time)
        auto unaligned = [&](auto zero, auto make) {
            using T = decltype(zero);
            Tensor<T, Shape<dyn>, gpu> buf(shape(n + 1), gpu(0));
            auto view = buf.slice(1, n + 1);
            view = make(gpu(0));
            CHECK(same_bits(eval(make(cpu(0))).to_vector(), view.to_vector()));
        };
        unaligned(0.f, [&](auto ctx) { return random::uniform<float>(s, k, -1.f, 1.f, ctx); });
        unaligned(0., [&](auto ctx) { return random::normal<double>(s, k, 0.5, 2., ctx); });
    }
}
#endif

// ------------------------------------------------------------------------------------- purity
TEST_CASE("fills of 8 MB and more (non-temporal stores) draw what plain stores, 1 thread and small fills draw") {
    // cpu_exec::assign streams destinations of stream_bytes (8 MB) or more with non-temporal stores
    // when they are aligned, and falls back to plain stores for an unaligned view.
    const auto k = random::key_for("big_weight");
    const std::size_t n = kiln::cpu_exec::stream_bytes / sizeof(float) + 37;  // just past the threshold, odd tail
    auto check = [&](auto make) {
        const auto streamed = eval(make(shape(n))).to_vector();  // aligned: non-temporal
        Tensor<float, Shape<dyn>> buf(shape(n + 1));
        auto unaligned = buf.slice(1, n + 1);
        unaligned = make(shape(n));  // one float past alignment: plain stores
        CHECK(same_bits(streamed, unaligned.to_vector()));
        kiln::set_num_threads(1);
        const auto serial = eval(make(shape(n))).to_vector();
        kiln::set_num_threads(0);
        CHECK(same_bits(streamed, serial));
        const auto small = eval(make(shape(1000))).to_vector();  // below the threshold, one block
        CHECK(same_bits(small, std::vector<float>(streamed.begin(), streamed.begin() + 1000)));
        // the last elements (the tail after the last full group) were written too
        CHECK(same_bits(streamed.back(), unaligned.to_vector().back()));
    };
    check([&](auto s) { return random::uniform<float>(s, k, -1.f, 1.f); });
    check([&](auto s) { return random::normal<float>(s, k, 0.f, 0.01f); });
    check([&](auto s) { return random::uniform<float>(s, k, 0.f, 1.f) * 0.5f + 2.f; });
}

TEST_CASE_TEMPLATE("element i depends only on (seed, name, i)", D, KILN_TEST_DEVICES) {
    seed_guard guard;
    const auto k = random::key_for("conv0_weight");
    auto small = eval(random::normal<float>(shape(37), k, 0.f, 1.f, D(0))).to_vector();
    auto large = eval(random::normal<float>(shape(4608), k, 0.f, 1.f, D(0))).to_vector();
    CHECK(same_bits(small, std::vector<float>(large.begin(), large.begin() + 37)));
    auto us = eval(random::uniform<double>(shape(5), k, 0., 1., D(0))).to_vector();
    auto ul = eval(random::uniform<double>(shape(c<2>, c<3>, c<7>), k, 0., 1., D(0))).to_vector();
    CHECK(same_bits(us, std::vector<double>(ul.begin(), ul.begin() + 5)));

    // same name and seed: same values; another name or another seed: other values
    auto again = eval(random::normal<float>(shape(37), random::key_for("conv0_weight"), 0.f, 1.f, D(0))).to_vector();
    CHECK(same_bits(small, again));
    auto other_name = eval(random::normal<float>(shape(37), random::key_for("conv1_weight"), 0.f, 1.f, D(0))).to_vector();
    random::seed(1);
    auto other_seed = eval(random::normal<float>(shape(37), random::key_for("conv0_weight"), 0.f, 1.f, D(0))).to_vector();
    std::size_t same_name = 0, same_seed = 0;
    for (std::size_t i = 0; i < 37; ++i) {
        same_name += small[i] == other_name[i];
        same_seed += small[i] == other_seed[i];
    }
    CHECK(same_name == 0);
    CHECK(same_seed == 0);

    // a slice of a tensor filled by one expression, and the whole: the same elements
    Tensor<float, Shape<dyn>, D> t(shape(100), D(0));
    t.slice(0, 64) = random::uniform<float>(shape(64), k, -1.f, 1.f, D(0));
    auto whole = eval(random::uniform<float>(shape(100), k, -1.f, 1.f, D(0))).to_vector();
    auto part = t.to_vector();
    CHECK(same_bits(std::vector<float>(part.begin(), part.begin() + 64), std::vector<float>(whole.begin(), whole.begin() + 64)));
}

TEST_CASE_TEMPLATE("random expressions are lazy and fuse with other operators", D, KILN_TEST_DEVICES) {
    const auto k = random::key_for("dense0_weight", 3);
    const auto s = shape(c<3>, c<5>);
    const float scale = 0.5f;
    Tensor<float, Shape<3, 5>, D> w = random::uniform<float>(s, k, -1.f, 1.f, D(0)) * scale;
    auto u = eval(random::uniform<float>(s, k, -1.f, 1.f, D(0))).to_vector();
    auto got = w.to_vector();
    for (std::size_t i = 0; i < u.size(); ++i) CHECK(same_bits(got[i], u[i] * scale));

    // normal(mean, sigma) is exactly fma(z, sigma, mean) of the standard normal z
    auto z = eval(random::normal<double>(shape(40), k, 0., 1., D(0))).to_vector();
    auto x = eval(random::normal<double>(shape(40), k, -3., 0.25, D(0))).to_vector();
    for (std::size_t i = 0; i < z.size(); ++i) CHECK(same_bits(x[i], std::fma(z[i], 0.25, -3.)));
}

TEST_CASE_TEMPLATE("uniform stays in [low, high) where rounding would reach high", D, KILN_TEST_DEVICES) {
    const auto k = random::key_for("conv0_weight", 0);
    // high is the float after low: low + u * 2^-23 rounds to high for u > 1/2; those are clamped to low.
    auto f = eval(random::uniform<float>(shape(1000), k, 1.f, 1.f + 0x1p-23f, D(0))).to_vector();
    CHECK(std::all_of(f.begin(), f.end(), [](float v) { return v == 1.f; }));
    auto d = eval(random::uniform<double>(shape(1000), k, 1., 1. + 0x1p-52, D(0))).to_vector();
    CHECK(std::all_of(d.begin(), d.end(), [](double v) { return v == 1.; }));
    // low == high: every element is low; reversed bounds draw from (high, low]
    auto e = eval(random::uniform<float>(shape(100), k, 2.f, 2.f, D(0))).to_vector();
    CHECK(std::all_of(e.begin(), e.end(), [](float v) { return v == 2.f; }));
    auto r = eval(random::uniform<float>(shape(100), k, 1.f, -1.f, D(0))).to_vector();
    CHECK(std::all_of(r.begin(), r.end(), [](float v) { return v > -1.f && v <= 1.f; }));
}

// ------------------------------------------------------------------------------------- accuracy
TEST_CASE("the log / sin / cos kernels are within 2 ulp") {
    using namespace random::detail;
    const long double half_pi = 1.570796326794896619231321691639751442L;
    double worst[6] = {};
    for (std::uint32_t m = 1; m < (1u << 24); m += 97) {  // u1 = 1 - m 2^-24 over (0, 1)
        const float u1 = 1.0f - static_cast<float>(m) * 0x1p-24f;
        worst[0] = std::max(worst[0], ulp_distance(box_muller_radius(u1), std::sqrt(-2.0L * std::log(static_cast<long double>(u1)))));
        const double u1d = 1.0 - static_cast<double>(m) * 0x1p-24 - 0x1p-40;
        worst[1] = std::max(worst[1], ulp_distance(box_muller_radius(u1d), std::sqrt(-2.0L * std::log(static_cast<long double>(u1d)))));
    }
    for (std::uint32_t g = 1; g < (1u << 22); g += 61) {  // f over [-1/2, 1/2)
        const float f = static_cast<float>(g) * 0x1p-22f - 0.5f;
        const double fd = static_cast<double>(g) * 0x1p-22 - 0.5 + 0x1p-45;
        if (f != 0) worst[2] = std::max(worst[2], ulp_distance(sin_quarter<float>(f), std::sin(half_pi * f)));
        worst[3] = std::max(worst[3], ulp_distance(cos_quarter<float>(f), std::cos(half_pi * f)));
        worst[4] = std::max(worst[4], ulp_distance(sin_quarter<double>(fd), std::sin(half_pi * fd)));
        worst[5] = std::max(worst[5], ulp_distance(cos_quarter<double>(fd), std::cos(half_pi * fd)));
    }
    for (double w : worst) CHECK(w <= 2.0);
}

// ------------------------------------------------------------------------------------- statistics
// n = 2^20 draws: mean and variance within 5 standard deviations of their estimators, and the
// Kolmogorov-Smirnov statistic below its 1% critical value 1.628 / sqrt(n).
TEST_CASE_TEMPLATE("uniform: bounds, moments and KS on 2^20 draws", T, float, double) {
    const std::size_t n = std::size_t{1} << 20;
    const T low = T(-2), high = T(3);
    auto v = eval(random::uniform<T>(shape(n), random::key_for("stats_uniform", 0), low, high, cpu(0))).to_vector();
    CHECK(std::all_of(v.begin(), v.end(), [&](T x) { return x >= low && x < high; }));
    const double w = double(high) - double(low), rn = std::sqrt(double(n));
    const auto m = moments_of(v);
    CHECK(std::fabs(m.mean - 0.5) < 5 * (w / std::sqrt(12.0)) / rn);
    CHECK(std::fabs(m.var - w * w / 12) < 5 * w * w * std::sqrt(1.0 / 80 - 1.0 / 144) / rn);
    const double d = ks_statistic(v, [&](double x) { return (x - double(low)) / w; });
    CHECK(d < 1.628 / rn);
}

TEST_CASE_TEMPLATE("normal: moments and KS against the normal CDF on 2^20 draws", T, float, double) {
    const std::size_t n = std::size_t{1} << 20;
    const T mean = T(1.5), sigma = T(2);
    auto v = eval(random::normal<T>(shape(n), random::key_for("stats_normal", 0), mean, sigma, cpu(0))).to_vector();
    CHECK(std::all_of(v.begin(), v.end(), [](T x) { return std::isfinite(x); }));
    const double rn = std::sqrt(double(n)), s2 = double(sigma) * double(sigma);
    const auto m = moments_of(v);
    CHECK(std::fabs(m.mean - double(mean)) < 5 * double(sigma) / rn);
    CHECK(std::fabs(m.var - s2) < 5 * s2 * std::sqrt(2.0) / rn);
    const double d = ks_statistic(v, [&](double x) { return normal_cdf((x - double(mean)) / double(sigma)); });
    CHECK(d < 1.628 / rn);
    // the pairs (cos, sin) are uncorrelated
    double c = 0;
    for (std::size_t i = 0; i + 1 < n; i += 2) c += (double(v[i]) - double(mean)) * (double(v[i + 1]) - double(mean));
    CHECK(std::fabs(c / double(n / 2) / s2) < 5 / std::sqrt(double(n / 2)));
}
