// bench/expr_common.hpp: W3, element-wise expressions on 16M floats (64 MiB per tensor).
//   relu:  y = relu(a*x + b)        a, b scalars; 4 bytes read + 4 written per element
//   fma4:  y = x0*x1 + x2*x3        16 bytes read + 4 written per element
// Inputs are deterministic (bench::fill_uniform); each program checks a sample of its result first.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "common.hpp"

namespace bench::expr {

inline constexpr std::size_t n = std::size_t(16) << 20;
inline constexpr float a = 1.5f, b = -0.25f;
inline constexpr double relu_bytes = 8, fma4_bytes = 20;

inline float relu_ref(float x) { return std::max(a * x + b, 0.0f); }

// Fills x0..x3 (seeds 11..14); x0 doubles as relu's x.
inline void fill_inputs(float* x0, float* x1, float* x2, float* x3) {
    fill_uniform(x0, n, 11);
    fill_uniform(x1, n, 12);
    fill_uniform(x2, n, 13);
    fill_uniform(x3, n, 14);
}

// Every 997th element and the last: empty when y matches.
inline std::string check_relu(const float* x, const float* y) {
    for (std::size_t i = 0; i < n; i = i + 997 < n ? i + 997 : (i == n - 1 ? n : n - 1))
        if (std::fabs(y[i] - relu_ref(x[i])) > 1e-6f * std::max(1.0f, std::fabs(relu_ref(x[i]))))
            return "relu result differs at " + std::to_string(i);
    return {};
}
inline std::string check_fma4(const float* x0, const float* x1, const float* x2, const float* x3, const float* y) {
    for (std::size_t i = 0; i < n; i = i + 997 < n ? i + 997 : (i == n - 1 ? n : n - 1)) {
        const float r = x0[i] * x1[i] + x2[i] * x3[i];
        if (std::fabs(y[i] - r) > 1e-5f * std::max(1.0f, std::fabs(r))) return "fma4 result differs at " + std::to_string(i);
    }
    return {};
}

inline void set_counters(benchmark::State& state, double bytes_per_element) {
    state.counters["bytes"] = rate(bytes_per_element * double(n));  // bytes/s
    state.counters["elements"] = rate(double(n));
}

}  // namespace bench::expr
