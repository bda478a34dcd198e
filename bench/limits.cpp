// bench/limits.cpp: what this machine can do at most, the yardstick of docs/performance.md.
//
//   peak FP32 FMA   GFLOP/s of a loop of independent FMAs (16 accumulators with AVX-512, 12 with AVX2,
//                   more than latency x ports needs), per thread count
//   write           GB/s of plain stores and of non-temporal stores over a buffer far larger than the caches
//   copy            GB/s (bytes read + bytes written) of load + plain store and load + non-temporal store
//
// Plain C++ with intrinsics and std::thread; no peer library. The main thread is worker 0; all workers
// start together, and the time runs from that start to the end of the slowest one. Each figure is the
// best of --reps runs (default 5), as a limit should be; the median is reported too. A buffer smaller
// than 256 MiB is swept several times per run; say which size you mean: far beyond the last-level cache
// for the memory bound, or a workload's own footprint (bench/run measures both).
//
//   bench_limits [--threads=1,2] [--mb=512] [--reps=5] [--json]
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

#if defined(__AVX512F__)
using vec = __m512;
constexpr int lanes = 16;
constexpr int accumulators = 16;
constexpr const char* isa = "AVX-512F";
inline vec vset(float x) { return _mm512_set1_ps(x); }
inline vec vfma(vec a, vec b, vec c) { return _mm512_fmadd_ps(a, b, c); }
inline vec vload(const float* p) { return _mm512_load_ps(p); }
inline void vstore(float* p, vec v) { _mm512_store_ps(p, v); }
inline void vstream(float* p, vec v) { _mm512_stream_ps(p, v); }
inline vec vadd(vec a, vec b) { return _mm512_add_ps(a, b); }
inline float vsum(vec v) {
    alignas(64) float t[16];
    _mm512_store_ps(t, v);
    float s = 0;
    for (float x : t) s += x;
    return s;
}
#elif defined(__AVX2__) && defined(__FMA__)
using vec = __m256;
constexpr int lanes = 8;
constexpr int accumulators = 12;  // 16 ymm registers: 12 accumulators + 2 constants
constexpr const char* isa = "AVX2+FMA";
inline vec vset(float x) { return _mm256_set1_ps(x); }
inline vec vfma(vec a, vec b, vec c) { return _mm256_fmadd_ps(a, b, c); }
inline vec vload(const float* p) { return _mm256_load_ps(p); }
inline void vstore(float* p, vec v) { _mm256_store_ps(p, v); }
inline void vstream(float* p, vec v) { _mm256_stream_ps(p, v); }
inline vec vadd(vec a, vec b) { return _mm256_add_ps(a, b); }
inline float vsum(vec v) {
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    float s = 0;
    for (float x : t) s += x;
    return s;
}
#else
#error "bench_limits needs AVX2+FMA or AVX-512 (build with -march=native on such a machine)"
#endif

using clock_type = std::chrono::steady_clock;

// Runs body(thread_index, threads) on `threads` threads started together; returns the seconds from the
// common start to the end of the slowest.
template <class F>
double run_threads(int threads, F body) {
    std::atomic<int> arrived{0};
    std::vector<clock_type::time_point> end(static_cast<std::size_t>(threads));
    clock_type::time_point start;
    auto worker = [&](int t) {
        arrived.fetch_add(1);
        while (arrived.load() < threads) _mm_pause();
        if (t == 0) start = clock_type::now();
        body(t, threads);
        end[static_cast<std::size_t>(t)] = clock_type::now();
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
    worker(0);
    for (auto& th : pool) th.join();
    const auto last = *std::max_element(end.begin(), end.end());
    return std::chrono::duration<double>(last - start).count();
}

volatile float sink;

float fma_loop(long iters) {
    vec acc[accumulators];
    for (int k = 0; k < accumulators; ++k) acc[k] = vset(0.001f * float(k));
    const vec a = vset(0.9999999f), b = vset(1e-7f);
    for (long i = 0; i < iters; ++i) {
#pragma GCC unroll 16
        for (int k = 0; k < accumulators; ++k) acc[k] = vfma(acc[k], a, b);
    }
    vec s = acc[0];
    for (int k = 1; k < accumulators; ++k) s = vadd(s, acc[k]);
    return vsum(s);
}

double fma_gflops(int threads, long iters) {
    const double t = run_threads(threads, [&](int, int) { sink = fma_loop(iters); });
    return double(threads) * double(iters) * accumulators * lanes * 2.0 / t / 1e9;
}

// The part of [0, n) (in floats, a multiple of 64) that thread t of T handles.
inline void part(std::size_t n, int t, int T, std::size_t& lo, std::size_t& hi) {
    const std::size_t blocks = n / 64;
    lo = blocks * std::size_t(t) / std::size_t(T) * 64;
    hi = blocks * std::size_t(t + 1) / std::size_t(T) * 64;
}

enum class kernel { write, write_nt, copy, copy_nt };

void run_kernel(kernel k, float* dst, const float* src, std::size_t lo, std::size_t hi) {
    const vec v = vset(1.5f);
    switch (k) {
        case kernel::write:
            for (std::size_t i = lo; i < hi; i += lanes) vstore(dst + i, v);
            break;
        case kernel::write_nt:
            for (std::size_t i = lo; i < hi; i += lanes) vstream(dst + i, v);
            _mm_sfence();
            break;
        case kernel::copy:
            for (std::size_t i = lo; i < hi; i += lanes) vstore(dst + i, vload(src + i));
            break;
        case kernel::copy_nt:
            for (std::size_t i = lo; i < hi; i += lanes) vstream(dst + i, vload(src + i));
            _mm_sfence();
            break;
    }
}

struct stats {
    double best = 0, median = 0;
};
template <class F>
stats repeat(int reps, F f) {
    std::vector<double> v;
    for (int r = 0; r < reps; ++r) v.push_back(f());
    std::sort(v.begin(), v.end());
    return {v.back(), v[v.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> thread_counts{1, 2};
    std::size_t mb = 512;
    int reps = 5;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--threads=", 0) == 0) {
            thread_counts.clear();
            std::string s = a.substr(10);
            std::size_t pos = 0;
            while (pos < s.size()) {
                const std::size_t comma = s.find(',', pos);
                thread_counts.push_back(std::max(1, std::atoi(s.substr(pos, comma - pos).c_str())));
                if (comma == std::string::npos) break;
                pos = comma + 1;
            }
        } else if (a.rfind("--mb=", 0) == 0) {
            mb = std::max<std::size_t>(1, std::strtoull(a.c_str() + 5, nullptr, 10));
        } else if (a.rfind("--reps=", 0) == 0) {
            reps = std::max(1, std::atoi(a.c_str() + 7));
        } else if (a == "--json") {
            json = true;
        } else {
            std::fprintf(stderr, "usage: %s [--threads=1,2] [--mb=512] [--reps=5] [--json]\n", argv[0]);
            return 2;
        }
    }

    const std::size_t bytes = mb << 20, n = bytes / sizeof(float);
    auto* src = static_cast<float*>(std::aligned_alloc(64, bytes));
    auto* dst = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!src || !dst) {
        std::fprintf(stderr, "bench_limits: cannot allocate 2 x %zu MiB\n", mb);
        return 1;
    }
    const int max_threads = *std::max_element(thread_counts.begin(), thread_counts.end());
    // Touch every page (first-touch by the threads that will use them).
    run_threads(max_threads, [&](int t, int T) {
        std::size_t lo, hi;
        part(n, t, T, lo, hi);
        std::memset(src + lo, 1, (hi - lo) * sizeof(float));
        std::memset(dst + lo, 0, (hi - lo) * sizeof(float));
    });

    // Calibrate the FMA loop to about 0.2 s on one thread.
    long iters = 1 << 20;
    for (;;) {
        const double t = run_threads(1, [&](int, int) { sink = fma_loop(iters); });
        if (t > 0.05) {
            iters = std::max(1L, long(double(iters) * 0.2 / t));
            break;
        }
        iters *= 4;
    }

    struct row {
        int threads;
        stats fma, write, write_nt, copy, copy_nt;
    };
    std::vector<row> rows;
    for (int T : thread_counts) {
        row r{};
        r.threads = T;
        r.fma = repeat(reps, [&] { return fma_gflops(T, iters); });
        // Small buffers are swept several times per timed run (at least 256 MiB of stores in all).
        const int sweeps = int(std::max<std::size_t>(1, (std::size_t(256) << 20) / bytes));
        auto bw = [&](kernel k, double traffic) {
            return repeat(reps, [&] {
                const double t = run_threads(T, [&](int ti, int tn) {
                    std::size_t lo, hi;
                    part(n, ti, tn, lo, hi);
                    for (int sw = 0; sw < sweeps; ++sw) run_kernel(k, dst, src, lo, hi);
                });
                return traffic * sweeps / t / 1e9;
            });
        };
        const double nb = double(n / 64 * 64) * sizeof(float);
        r.write = bw(kernel::write, nb);
        r.write_nt = bw(kernel::write_nt, nb);
        r.copy = bw(kernel::copy, 2 * nb);
        r.copy_nt = bw(kernel::copy_nt, 2 * nb);
        rows.push_back(r);
    }

    if (json) {
        std::printf("{\n  \"isa\": \"%s\",\n  \"lanes\": %d,\n  \"accumulators\": %d,\n  \"buffer_mib\": %zu,\n"
                    "  \"reps\": %d,\n  \"results\": [\n",
                    isa, lanes, accumulators, mb, reps);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const row& r = rows[i];
            auto pair = [](const char* name, stats s, bool last = false) {
                std::printf("      \"%s\": %.3f, \"%s_median\": %.3f%s\n", name, s.best, name, s.median, last ? "" : ",");
            };
            std::printf("    {\n      \"threads\": %d,\n", r.threads);
            pair("fma_gflops", r.fma);
            pair("write_gbs", r.write);
            pair("write_nt_gbs", r.write_nt);
            pair("copy_gbs", r.copy);
            pair("copy_nt_gbs", r.copy_nt, true);
            std::printf("    }%s\n", i + 1 < rows.size() ? "," : "");
        }
        std::printf("  ]\n}\n");
    } else {
        std::printf("%s, %d accumulators, buffers 2 x %zu MiB, best (median) of %d\n", isa, accumulators, mb, reps);
        std::printf("%8s %18s %18s %18s %18s %18s\n", "threads", "FMA GFLOP/s", "write GB/s", "write NT GB/s",
                    "copy GB/s", "copy NT GB/s");
        for (const row& r : rows)
            std::printf("%8d %9.1f (%6.1f) %9.1f (%6.1f) %9.1f (%6.1f) %9.1f (%6.1f) %9.1f (%6.1f)\n", r.threads,
                        r.fma.best, r.fma.median, r.write.best, r.write.median, r.write_nt.best, r.write_nt.median,
                        r.copy.best, r.copy.median, r.copy_nt.best, r.copy_nt.median);
        std::printf("(copy counts bytes read + bytes written)\n");
    }
    std::free(src);
    std::free(dst);
    return 0;
}
