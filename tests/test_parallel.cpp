// The cpu executor's threads: results never depend on the thread count.
#include "kiln_test.hpp"

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

using namespace kiln;

namespace parallel_test {
// Restores the thread count on exit.
struct threads_guard {
    std::size_t old = num_threads();
    ~threads_guard() { set_num_threads(old); }
};
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}
}  // namespace parallel_test
using namespace parallel_test;

TEST_CASE("parallel_for runs every block exactly once, on any thread count") {
    threads_guard g;
    for (std::size_t t : {1, 2, 3, 5}) {
        set_num_threads(t);
        CHECK(num_threads() == t);
        std::vector<std::atomic<int>> hits(1000);
        parallel_for(hits.size(), [&](std::size_t b) { hits[b].fetch_add(1); });
        for (auto& h : hits) REQUIRE(h.load() == 1);
    }
    set_num_threads(0);
    CHECK(num_threads() >= 1);
}

TEST_CASE("a thread held up in its own share of the blocks is helped by the others") {
    // Each thread starts with its contiguous share (2 threads, 8 blocks: 0-3 and 4-7). Block 0 waits
    // until blocks 1-3, of the same share, have run: only the other thread can run them.
    threads_guard g;
    set_num_threads(2);
    std::vector<std::atomic<int>> hits(8);
    std::atomic<int> rest_of_share{0};
    std::atomic<bool> helped{false};
    parallel_for(hits.size(), [&](std::size_t b) {
        hits[b].fetch_add(1);
        if (b >= 1 && b <= 3) rest_of_share.fetch_add(1);
        if (b == 0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (rest_of_share.load() < 3 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
            helped = rest_of_share.load() == 3;
        }
    });
    CHECK(helped.load());
    for (auto& h : hits) CHECK(h.load() == 1);
}

TEST_CASE("an exception in a block reaches the caller; the pool stays usable") {
    threads_guard g;
    set_num_threads(2);
    CHECK_THROWS_WITH_AS(parallel_for(100, [](std::size_t b) { if (b == 37) throw std::runtime_error("block 37"); }),
                         "block 37", std::runtime_error);
    std::atomic<int> n{0};
    parallel_for(64, [&](std::size_t) { n++; });
    CHECK(n.load() == 64);
}

TEST_CASE("expressions, reductions and random fills are bit-identical for 1, 2 and 3 threads") {
    threads_guard g;
    const std::size_t n = 3 * 32768 + 1234;  // several blocks and a ragged last one
    std::vector<float> ref_expr, ref_uni, ref_norm;
    float ref_sum = 0, ref_max = 0;
    double ref_dsum = 0;
    for (std::size_t t : {1, 2, 3}) {
        set_num_threads(t);
        auto x = eval(random::uniform<float>(shape(n), random::key_for("x"), -2.0f, 2.0f, cpu(0)));
        auto y = eval(relu(x * 1.5f + 0.25f) - sigmoid(x));
        auto z = eval(random::normal<float>(shape(n), random::key_for("z"), 0.0f, 1.0f, cpu(0)));
        auto d = eval(cast<double>(x) * 0.1);
        if (t == 1) {
            ref_expr = y.to_vector();
            ref_uni = x.to_vector();
            ref_norm = z.to_vector();
            ref_sum = sum(y);
            ref_max = max(z);
            ref_dsum = sum(d);
        } else {
            CHECK(same_bits(ref_uni, x.to_vector()));
            CHECK(same_bits(ref_expr, y.to_vector()));
            CHECK(same_bits(ref_norm, z.to_vector()));
            CHECK(sum(y) == ref_sum);
            CHECK(max(z) == ref_max);
            CHECK(sum(d) == ref_dsum);
        }
    }
}

TEST_CASE("large destinations (streaming stores) give the same values, aligned or not") {
    threads_guard g;
    const std::size_t n = cpu_exec::stream_bytes / sizeof(float) + 777;
    auto x = eval(random::uniform<float>(shape(n), random::key_for("big"), -1.0f, 1.0f, cpu(0)));
    auto xv = x.to_vector();
    for (std::size_t t : {1, 2}) {
        set_num_threads(t);
        auto y = zeros<float>(shape(n));
        y = relu(x * 2.0f + 0.5f);
        auto yv = y.to_vector();
        for (std::size_t i = 0; i < n; i += 97) REQUIRE(yv[i] == std::max(xv[i] * 2.0f + 0.5f, 0.0f));
        CHECK(yv[n - 1] == std::max(xv[n - 1] * 2.0f + 0.5f, 0.0f));
        // an unaligned destination (a view starting one element in) takes the plain-store path
        auto buf = zeros<float>(shape(n + 1));
        auto view = buf.slice(1, n + 1);
        view = relu(x * 2.0f + 0.5f);
        CHECK(same_bits(view.to_vector(), yv));
    }
}
