// bench/init_common.hpp: W1, the tutorial's (512, 512, 3, 3) float weight.
#pragma once

#include <cstddef>

#include "common.hpp"

namespace bench::init {

inline constexpr std::size_t K = 512, C = 512, R = 3, S = 3;
inline constexpr std::size_t elements = K * C * R * S;

inline void set_counters(benchmark::State& state) {
    state.counters["elements"] = rate(double(elements));  // elements/s
    state.counters["bytes"] = rate(double(elements * sizeof(float)));
}

}  // namespace bench::init
