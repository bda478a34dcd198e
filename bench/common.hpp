// bench/common.hpp: what every benchmark program shares.
//
//   * the thread count: each program takes --threads=N (removed from argv before Google Benchmark
//     parses the rest) and hands it to its library's own thread control;
//   * deterministic inputs (the same bytes in every program, so kiln and a peer see the same data);
//   * the main() boilerplate, with the thread count and the library recorded in the JSON context.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace bench {

// --threads=N, removed from argv. Default 1.
inline int take_threads(int& argc, char** argv) {
    int threads = 1;
    int out = 1;
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0) {
            threads = std::atoi(argv[i] + 10);
            if (threads < 1) threads = 1;
        } else {
            argv[out++] = argv[i];
        }
    }
    argc = out;
    argv[argc] = nullptr;
    return threads;
}

// splitmix64: a stateless hash, element i of stream `seed` is mix(seed, i).
inline std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + i + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Values in [lo, hi), deterministic.
inline void fill_uniform(float* p, std::size_t n, std::uint64_t seed, float lo = -1.f, float hi = 1.f) {
    for (std::size_t i = 0; i < n; ++i) {
        const float u = static_cast<float>(mix(seed, i) >> 40) * 0x1p-24f;
        p[i] = lo + (hi - lo) * u;
    }
}

inline std::vector<float> uniform_vector(std::size_t n, std::uint64_t seed, float lo = -1.f, float hi = 1.f) {
    std::vector<float> v(n);
    fill_uniform(v.data(), n, seed, lo, hi);
    return v;
}

// Every benchmark in this suite measures wall-clock time (threads run inside the timed region).
inline benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b,
                                                 benchmark::TimeUnit unit = benchmark::kMillisecond) {
    return b->UseRealTime()->Unit(unit);
}

// Items (elements, bytes, FLOPs) per second, normalised by wall time.
inline benchmark::Counter rate(double per_iteration) {
    return benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace bench

// main(): --threads=N, then `register_all(threads)` registers the benchmarks.
#define KILN_BENCH_MAIN(library, register_all)                                    \
    int main(int argc, char** argv) {                                              \
        const int threads_ = ::bench::take_threads(argc, argv);                    \
        ::benchmark::AddCustomContext("bench_library", library);                   \
        ::benchmark::AddCustomContext("bench_threads", std::to_string(threads_));  \
        ::benchmark::Initialize(&argc, argv);                                      \
        if (::benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;        \
        register_all(threads_);                                                    \
        ::benchmark::RunSpecifiedBenchmarks();                                     \
        ::benchmark::Shutdown();                                                   \
        return 0;                                                                  \
    }
