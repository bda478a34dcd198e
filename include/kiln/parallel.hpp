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

#include <atomic>
#include <cstddef>
#include <memory>
#include <type_traits>

#include "config.hpp"

namespace kiln {

namespace detail {

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
    thread_pool(const thread_pool&) = delete;
    thread_pool& operator=(const thread_pool&) = delete;

private:
    // A non-owning reference to run's f: the parallel region is compiled once, not once per
    // callable (every parallel_for call site has its own lambda type).
    struct block_fn {
        void* obj = nullptr;
        void (*call)(void*, std::size_t) = nullptr;
        void operator()(std::size_t b) const { call(obj, b); }
    };

    // The workers, their shares of the current region and the locks (kiln/impl/parallel.ipp, with
    // every body): files that only call parallel_for do not parse <thread>, <condition_variable>
    // and <chrono> in the -DKILN_SEPARATE_KERNELS mode.
    struct state;

    KILN_DECL thread_pool();
    KILN_DECL static bool& worker_flag();
    static bool in_worker() { return worker_flag(); }
    KILN_DECL void run_parallel(std::size_t blocks, block_fn fn);

    std::unique_ptr<state> s_;
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
