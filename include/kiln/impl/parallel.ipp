// kiln/impl/parallel.ipp: the thread pool's bodies (see KILN_DECL in kiln/config.hpp): included by
// kiln/parallel.hpp in a header-only build, by kiln/separate_kernels.hpp with -DKILN_SEPARATE_KERNELS.
#pragma once

#include "../parallel.hpp"

namespace kiln {
namespace detail {

KILN_DECL thread_pool& thread_pool::instance() {
    static thread_pool pool;
    return pool;
}

KILN_DECL void thread_pool::resize(std::size_t n) {
    if (n == 0) n = default_threads();
    std::lock_guard<std::mutex> run_lock(run_m_);
    stop_workers();
    size_.store(n, std::memory_order_relaxed);
    start_workers(n - 1);
}

KILN_DECL thread_pool::~thread_pool() { stop_workers(); }

KILN_DECL thread_pool::thread_pool() {
    const std::size_t n = default_threads();
    size_.store(n, std::memory_order_relaxed);
    start_workers(n - 1);
}

KILN_DECL std::size_t thread_pool::default_threads() {
    const unsigned h = std::thread::hardware_concurrency();
    return h ? h : 1;
}

KILN_DECL bool& thread_pool::worker_flag() {
    thread_local bool flag = false;
    return flag;
}

KILN_DECL void thread_pool::run_parallel(std::size_t blocks, block_fn fn) {
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

KILN_DECL void thread_pool::work(std::size_t self) {
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

KILN_DECL void thread_pool::start_workers(std::size_t n) {
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
                return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
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

KILN_DECL void thread_pool::stop_workers() {
    {
        std::lock_guard<std::mutex> lock(m_);
        stop_.store(true, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
}

}  // namespace detail

KILN_DECL void set_num_threads(std::size_t n) { detail::thread_pool::instance().resize(n); }
KILN_DECL std::size_t num_threads() { return detail::thread_pool::instance().size(); }

}  // namespace kiln
