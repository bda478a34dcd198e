// kiln/detail/philox.hpp: the scalar counter-based generator (Philox4x32-10, Salmon, Moraes, Dror,
// Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011) and the derivation of a Philox key
// from (seed, parameter name). Usable in host and device code; no state, no tables.
// The bit-level definition is in docs/random.md.
#pragma once

#include <cstdint>
#include <string_view>

#include "../config.hpp"

namespace kiln::random {

// A Philox4x32 key: two 32-bit words.
struct key {
    std::uint32_t k0, k1;
    friend constexpr bool operator==(const key&, const key&) = default;
};

// A Philox4x32 counter (input) or output block: four 32-bit words, v[0] first.
struct counter {
    std::uint32_t v[4];
    friend constexpr bool operator==(const counter&, const counter&) = default;
};

namespace detail {
// Round multipliers and Weyl key increments of Philox4x32 (Salmon et al. 2011, table 2).
inline constexpr std::uint32_t philox_m0 = 0xD2511F53u;
inline constexpr std::uint32_t philox_m1 = 0xCD9E8D57u;
inline constexpr std::uint32_t philox_w0 = 0x9E3779B9u;  // golden ratio
inline constexpr std::uint32_t philox_w1 = 0xBB67AE85u;  // sqrt(3) - 1
inline constexpr int philox_rounds = 10;

KILN_HD constexpr counter philox_round(counter c, key k) {
    const std::uint64_t p0 = static_cast<std::uint64_t>(philox_m0) * c.v[0];
    const std::uint64_t p1 = static_cast<std::uint64_t>(philox_m1) * c.v[2];
    const auto lo0 = static_cast<std::uint32_t>(p0), hi0 = static_cast<std::uint32_t>(p0 >> 32);
    const auto lo1 = static_cast<std::uint32_t>(p1), hi1 = static_cast<std::uint32_t>(p1 >> 32);
    return counter{{hi1 ^ c.v[1] ^ k.k0, lo1, hi0 ^ c.v[3] ^ k.k1, lo0}};
}
}  // namespace detail

// Philox4x32-10: ten rounds; the key is bumped by (W0, W1) between rounds (round r uses k + r*W).
KILN_HD constexpr counter philox4x32_10(counter c, key k) {
    for (int r = 0; r < detail::philox_rounds; ++r) {
        if (r != 0) {
            k.k0 += detail::philox_w0;
            k.k1 += detail::philox_w1;
        }
        c = detail::philox_round(c, k);
    }
    return c;
}

namespace detail {
// 64-bit FNV-1a over the bytes of s.
constexpr std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xCBF29CE484222325ull;
    for (char ch : s) {
        h ^= static_cast<unsigned char>(ch);
        h *= 0x00000100000001B3ull;
    }
    return h;
}

// The splitmix64 output function (Steele, Lea, Flood 2014): one increment by the golden gamma,
// then the two xor-shift-multiply steps and a final xor-shift.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
}  // namespace detail

// The key of parameter `name` under `seed`: k = splitmix64(splitmix64(seed) ^ fnv1a64(name)),
// k0 = low 32 bits of k, k1 = high 32 bits.
constexpr key key_for(std::string_view name, std::uint64_t seed) {
    const std::uint64_t k = detail::splitmix64(detail::splitmix64(seed) ^ detail::fnv1a64(name));
    return key{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

}  // namespace kiln::random
