// bench/random_fill.cpp: ns per element of kiln's counter-based random fills on one thread, the
// figures quoted in docs/random.md. Standalone (no Google Benchmark), from the repository root:
//
//   g++ -std=c++20 -O2 -march=native -DNDEBUG -DXTENSOR_USE_XSIMD -I include bench/random_fill.cpp \
//       -o random_fill && ./random_fill
//
// 2^24 elements (64 or 128 MiB, written to memory), best of 15 assignments of random::uniform /
// random::normal to a preallocated tensor. The peer comparison is bench/init_*.cpp (W1, bench/run).
#include <kiln/kiln.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace {

template <class F>
double best_ns_per_element(F f) {
    double best = 1e300;
    for (int r = 0; r < 15; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    return best / double(1 << 24);
}

}  // namespace

int main() {
    using namespace kiln;
    set_num_threads(1);
    Tensor<float, Shape<1 << 24>> f;
    Tensor<double, Shape<1 << 24>> d;
    const auto k = random::key_for("w");
    std::printf("SIMD: %s, 1 thread, ns per element\n", simd::arch_name());
    std::printf("uniform float  %.2f\n", best_ns_per_element([&] { f.view() = random::uniform<float>(f.shape(), k, -1.f, 1.f); }));
    std::printf("normal float   %.2f\n", best_ns_per_element([&] { f.view() = random::normal<float>(f.shape(), k, 0.f, 1.f); }));
    std::printf("uniform double %.2f\n", best_ns_per_element([&] { d.view() = random::uniform<double>(d.shape(), k, -1., 1.); }));
    std::printf("normal double  %.2f\n", best_ns_per_element([&] { d.view() = random::normal<double>(d.shape(), k, 0., 1.); }));
}
