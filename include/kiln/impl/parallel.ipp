// kiln/impl/parallel.ipp: the thread pool's bodies (see KILN_DECL in kiln/config.hpp): included by
// kiln/parallel.hpp in a header-only build, by kiln/separate_kernels.hpp with -DKILN_SEPARATE_KERNELS.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "../parallel.hpp"

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

struct thread_pool::state {
    std::mutex run_m;  // one parallel region at a time
    std::mutex m;
    std::condition_variable cv, done_cv;
    std::vector<std::thread> workers;
    // Thread i's share of the blocks of the current region: [next, end), next claimed by fetch_add.
    struct alignas(64) slot {
        std::atomic<std::size_t> next{0};
        std::size_t end = 0;
    };
    block_fn job;
    std::unique_ptr<slot[]> slots;
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> generation{0};
    std::atomic<bool> stop{false};
    std::exception_ptr error;

    void run(std::size_t blocks, block_fn fn) {
        std::lock_guard<std::mutex> run_lock(run_m);
        const std::size_t everyone = workers.size() + 1;
        {
            std::lock_guard<std::mutex> lock(m);
            job = fn;
            for (std::size_t i = 0; i < everyone; ++i) {
                slots[i].next.store(i * blocks / everyone, std::memory_order_relaxed);
                slots[i].end = (i + 1) * blocks / everyone;
            }
            done.store(0, std::memory_order_relaxed);
            error = nullptr;
            generation.fetch_add(1, std::memory_order_release);
        }
        cv.notify_all();  // cheap when every worker is still spinning
        work(0);          // the caller works too
        const auto all_done = [&] { return done.load(std::memory_order_acquire) == everyone; };
        if (!spin_until(all_done)) {
            std::unique_lock<std::mutex> lock(m);
            done_cv.wait(lock, all_done);
        }
        std::lock_guard<std::mutex> lock(m);
        job = block_fn{};
        if (error) std::rethrow_exception(error);
    }

    // Thread `self` (0: the caller) runs its own contiguous share of the blocks first, in order, then
    // helps with the others' remaining blocks. The same thread therefore gets the same blocks call
    // after call when the load is even (its caches still hold that part of the data), and a thread
    // that is slowed down (the other work of a shared machine) is still helped.
    void work(std::size_t self) {
        const bool was = worker_flag();
        worker_flag() = true;
        const std::size_t everyone = workers.size() + 1;
        for (std::size_t k = 0; k < everyone; ++k) {
            slot& s = slots[(self + k) % everyone];
            for (;;) {
                const std::size_t b = s.next.fetch_add(1, std::memory_order_relaxed);
                if (b >= s.end) break;
                try {
                    job(b);
                } catch (...) {
                    std::lock_guard<std::mutex> lock(m);
                    if (!error) error = std::current_exception();
                    for (std::size_t i = 0; i < everyone; ++i)  // skip every block not yet started
                        slots[i].next.store(slots[i].end, std::memory_order_relaxed);
                }
            }
        }
        worker_flag() = was;
        if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == workers.size() + 1) {
            std::lock_guard<std::mutex> lock(m);  // orders the increment before a sleeping caller's check
            done_cv.notify_all();
        }
    }

    // Starts n workers (the caller is the n+1-th thread of a region).
    void start_workers(std::size_t n) {
        std::size_t start_gen;
        {
            std::lock_guard<std::mutex> lock(m);
            stop.store(false, std::memory_order_relaxed);
            start_gen = generation.load(std::memory_order_relaxed);  // a new worker waits for the next region
        }
        slots = std::make_unique<slot[]>(n + 1);
        for (std::size_t i = 0; i < n; ++i) {
            workers.emplace_back([this, start_gen, i] {
                std::size_t seen = start_gen;
                const auto woken = [&] {
                    return stop.load(std::memory_order_acquire) || generation.load(std::memory_order_acquire) != seen;
                };
                for (;;) {
                    if (!spin_until(woken)) {
                        std::unique_lock<std::mutex> lock(m);
                        cv.wait(lock, woken);
                    }
                    if (stop.load(std::memory_order_acquire)) return;
                    seen = generation.load(std::memory_order_acquire);
                    work(i + 1);
                }
            });
        }
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(m);
            stop.store(true, std::memory_order_release);
        }
        cv.notify_all();
        for (auto& t : workers) t.join();
        workers.clear();
    }

    static std::size_t default_threads() {
        const unsigned h = std::thread::hardware_concurrency();
        return h ? h : 1;
    }
};

KILN_DECL thread_pool& thread_pool::instance() {
    static thread_pool pool;
    return pool;
}

KILN_DECL void thread_pool::resize(std::size_t n) {
    if (n == 0) n = state::default_threads();
    std::lock_guard<std::mutex> run_lock(s_->run_m);
    s_->stop_workers();
    size_.store(n, std::memory_order_relaxed);
    s_->start_workers(n - 1);
}

KILN_DECL thread_pool::~thread_pool() { s_->stop_workers(); }

KILN_DECL thread_pool::thread_pool() : s_(std::make_unique<state>()) {
    const std::size_t n = state::default_threads();
    size_.store(n, std::memory_order_relaxed);
    s_->start_workers(n - 1);
}

KILN_DECL bool& thread_pool::worker_flag() {
    thread_local bool flag = false;
    return flag;
}

KILN_DECL void thread_pool::run_parallel(std::size_t blocks, block_fn fn) { s_->run(blocks, fn); }

}  // namespace detail

KILN_DECL void set_num_threads(std::size_t n) { detail::thread_pool::instance().resize(n); }
KILN_DECL std::size_t num_threads() { return detail::thread_pool::instance().size(); }

}  // namespace kiln
