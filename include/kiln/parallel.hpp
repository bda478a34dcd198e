// kiln/parallel.hpp: the cpu executor's threads. A small persistent pool (no OpenMP dependency):
//
//   kiln::set_num_threads(2);               // default: std::thread::hardware_concurrency()
//   kiln::parallel_for(n_blocks, [&](std::size_t b) { ... block b ... });
//
// Work is split into blocks whose boundaries depend only on the problem, never on the thread
// count. Each thread first runs its own contiguous share of the blocks, then takes blocks left in
// the other shares (so a thread slowed by other work on the machine is helped). Whatever each block
// computes is identical for any number of threads and any assignment (a reduction combines
// per-block partials in block order).
// A parallel_for called from inside a parallel_for runs serially on the calling thread.
//
// Waking a sleeping thread costs tens of microseconds (a futex round trip; ~50 us measured on a VM),
// as long as a small convolution takes. So a worker that finished a region, and the caller waiting
// for the last block, first spin for up to spin_time (checking an atomic, with a pause
// instruction) and only then sleep on a condition variable: back-to-back regions (a network's
// layers, a benchmark loop) never sleep, and an idle program stops using the cores after 200 us.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#include "config.hpp"

namespace kiln {

namespace detail {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Spins until ready() or until spin_time passed; returns ready().
template <class Ready>
bool spin_until(Ready&& ready) {
    constexpr auto spin_time = std::chrono::microseconds(200);
    if (ready()) return true;
    const auto until = std::chrono::steady_clock::now() + spin_time;
    for (;;) {
        for (int k = 0; k < 64; ++k) {
            if (ready()) return true;
            cpu_relax();
        }
        if (std::chrono::steady_clock::now() >= until) return ready();
    }
}

class thread_pool {
public:
    KILN_DECL static thread_pool& instance();

    std::size_t size() const { return size_.load(std::memory_order_relaxed); }

    KILN_DECL void resize(std::size_t n);

    // Runs f(b) for b in [0, blocks). Exceptions from f are rethrown (the first one) after all
    // blocks finished or were skipped.
    template <class F>
    void run(std::size_t blocks, F&& f) {
        if (blocks == 0) return;
        if (blocks == 1 || in_worker() || size() <= 1) {
            for (std::size_t b = 0; b < blocks; ++b) f(b);
            return;
        }
        using Fn = std::remove_reference_t<F>;
        run_parallel(blocks, block_fn{const_cast<void*>(static_cast<const void*>(std::addressof(f))),
                                      [](void* o, std::size_t b) { (*static_cast<Fn*>(o))(b); }});
    }

    KILN_DECL ~thread_pool();

private:
    // A non-owning reference to run's f: the parallel region is compiled once, not once per
    // callable (every parallel_for call site has its own lambda type).
    struct block_fn {
        void* obj = nullptr;
        void (*call)(void*, std::size_t) = nullptr;
        void operator()(std::size_t b) const { call(obj, b); }
    };

    // The bodies: kiln/impl/parallel.ipp.
    KILN_DECL thread_pool();
    KILN_DECL static std::size_t default_threads();
    KILN_DECL static bool& worker_flag();
    static bool in_worker() { return worker_flag(); }
    KILN_DECL void run_parallel(std::size_t blocks, block_fn fn);
    // Thread `self` (0: the caller) runs its own contiguous share of the blocks first, in order, then
    // helps with the others' remaining blocks. The same thread therefore gets the same blocks call
    // after call when the load is even (its caches still hold that part of the data), and a thread
    // that is slowed down (the other work of a shared machine) is still helped.
    KILN_DECL void work(std::size_t self);
    KILN_DECL void start_workers(std::size_t n);
    KILN_DECL void stop_workers();

    std::mutex run_m_;
    std::mutex m_;
    std::condition_variable cv_, done_cv_;
    std::vector<std::thread> workers_;
    // Thread i's share of the blocks of the current region: [next, end), next claimed by fetch_add.
    struct alignas(64) slot {
        std::atomic<std::size_t> next{0};
        std::size_t end = 0;
    };
    block_fn job_;
    std::unique_ptr<slot[]> slots_;
    std::atomic<std::size_t> done_{0};
    std::atomic<std::size_t> generation_{0};
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
    std::atomic<std::size_t> size_{1};
};

}  // namespace detail

// Number of threads kiln's cpu executor uses (the caller included). 0 restores the default
// (std::thread::hardware_concurrency()). Results never depend on it.
KILN_DECL void set_num_threads(std::size_t n);
KILN_DECL std::size_t num_threads();

// Runs f(b) for every block b in [0, blocks), on up to num_threads() threads.
template <class F>
void parallel_for(std::size_t blocks, F&& f) {
    detail::thread_pool::instance().run(blocks, std::forward<F>(f));
}

}  // namespace kiln

#if KILN_HEADER_ONLY
#include "impl/parallel.ipp"
#endif
