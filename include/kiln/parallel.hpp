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
    static thread_pool& instance() {
        static thread_pool pool;
        return pool;
    }

    std::size_t size() const { return size_.load(std::memory_order_relaxed); }

    void resize(std::size_t n) {
        if (n == 0) n = default_threads();
        std::lock_guard<std::mutex> run_lock(run_m_);
        stop_workers();
        size_.store(n, std::memory_order_relaxed);
        start_workers(n - 1);
    }

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

    ~thread_pool() { stop_workers(); }

private:
    // A non-owning reference to run's f: the parallel region below is compiled once, not once per
    // callable (every parallel_for call site has its own lambda type).
    struct block_fn {
        void* obj = nullptr;
        void (*call)(void*, std::size_t) = nullptr;
        void operator()(std::size_t b) const { call(obj, b); }
    };

    KILN_NOINLINE void run_parallel(std::size_t blocks, block_fn fn) {
        std::lock_guard<std::mutex> run_lock(run_m_);  // one parallel region at a time
        const std::size_t everyone = workers_.size() + 1;
        {
            std::lock_guard<std::mutex> lock(m_);
            job_ = fn;
            for (std::size_t i = 0; i < everyone; ++i) {
                slots_[i].next.store(i * blocks / everyone, std::memory_order_relaxed);
                slots_[i].end = (i + 1) * blocks / everyone;
            }
            done_.store(0, std::memory_order_relaxed);
            error_ = nullptr;
            generation_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();  // cheap when every worker is still spinning
        work(0);           // the caller works too
        const auto all_done = [&] { return done_.load(std::memory_order_acquire) == everyone; };
        if (!spin_until(all_done)) {
            std::unique_lock<std::mutex> lock(m_);
            done_cv_.wait(lock, all_done);
        }
        std::lock_guard<std::mutex> lock(m_);
        job_ = block_fn{};
        if (error_) std::rethrow_exception(error_);
    }

    thread_pool() {
        const std::size_t n = default_threads();
        size_.store(n, std::memory_order_relaxed);
        start_workers(n - 1);
    }

    static std::size_t default_threads() {
        const unsigned h = std::thread::hardware_concurrency();
        return h ? h : 1;
    }

    static bool& worker_flag() {
        thread_local bool flag = false;
        return flag;
    }
    static bool in_worker() { return worker_flag(); }

    // Thread `self` (0: the caller) runs its own contiguous share of the blocks first, in order, then
    // helps with the others' remaining blocks. The same thread therefore gets the same blocks call
    // after call when the load is even (its caches still hold that part of the data), and a thread
    // that is slowed down (the other work of a shared machine) is still helped.
    void work(std::size_t self) {
        const bool was = worker_flag();
        worker_flag() = true;
        const std::size_t everyone = workers_.size() + 1;
        for (std::size_t k = 0; k < everyone; ++k) {
            slot& s = slots_[(self + k) % everyone];
            for (;;) {
                const std::size_t b = s.next.fetch_add(1, std::memory_order_relaxed);
                if (b >= s.end) break;
                try {
                    job_(b);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(m_);
                    if (!error_) error_ = std::current_exception();
                    for (std::size_t i = 0; i < everyone; ++i)  // skip every block not yet started
                        slots_[i].next.store(slots_[i].end, std::memory_order_relaxed);
                }
            }
        }
        worker_flag() = was;
        if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == workers_.size() + 1) {
            std::lock_guard<std::mutex> lock(m_);  // orders the increment before a sleeping caller's check
            done_cv_.notify_all();
        }
    }

    void start_workers(std::size_t n) {
        std::size_t start_gen;
        {
            std::lock_guard<std::mutex> lock(m_);
            stop_.store(false, std::memory_order_relaxed);
            start_gen = generation_.load(std::memory_order_relaxed);  // a new worker waits for the next region
        }
        slots_ = std::make_unique<slot[]>(n + 1);
        for (std::size_t i = 0; i < n; ++i) {
            workers_.emplace_back([this, start_gen, i] {
                std::size_t seen = start_gen;
                const auto woken = [&] {
                    return stop_.load(std::memory_order_acquire) ||
                           generation_.load(std::memory_order_acquire) != seen;
                };
                for (;;) {
                    if (!spin_until(woken)) {
                        std::unique_lock<std::mutex> lock(m_);
                        cv_.wait(lock, woken);
                    }
                    if (stop_.load(std::memory_order_acquire)) return;
                    seen = generation_.load(std::memory_order_acquire);
                    work(i + 1);
                }
            });
        }
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(m_);
            stop_.store(true, std::memory_order_release);
        }
        cv_.notify_all();
        for (auto& t : workers_) t.join();
        workers_.clear();
    }

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
inline void set_num_threads(std::size_t n) { detail::thread_pool::instance().resize(n); }
inline std::size_t num_threads() { return detail::thread_pool::instance().size(); }

// Runs f(b) for every block b in [0, blocks), on up to num_threads() threads.
template <class F>
void parallel_for(std::size_t blocks, F&& f) {
    detail::thread_pool::instance().run(blocks, std::forward<F>(f));
}

}  // namespace kiln
