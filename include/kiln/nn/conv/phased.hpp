// kiln/nn/conv/phased.hpp: a preparation phase and a main phase in one kiln::parallel_for.
//
// Waking the pool's threads costs tens of microseconds on some machines, a good part of a small
// convolution, so a convolution runs one parallel region: each main block first takes preparation
// chunks nobody has taken yet (an atomic counter hands each chunk out once), then waits until every
// taken chunk is finished, then does its own work. Chunks are only waited for while another thread
// is running them, so this cannot deadlock whatever order the pool runs blocks in, and the results
// do not depend on which thread ran what.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>

#include "../../parallel.hpp"

namespace kiln::nn::kernels::conv_detail {

template <class Prep, class Main>
void parallel_phases(std::size_t n_prep, Prep&& prep, std::size_t n_main, Main&& main) {
    if (n_prep == 0) {
        kiln::parallel_for(n_main, main);
        return;
    }
    if (n_main == 0) {
        kiln::parallel_for(n_prep, prep);
        return;
    }
    std::atomic<std::size_t> claim{0}, done{0};
    std::atomic<bool> failed{false};
    kiln::parallel_for(n_main, [&](std::size_t b) {
        for (std::size_t c; (c = claim.fetch_add(1, std::memory_order_relaxed)) < n_prep;) {
            try {
                prep(c);
            } catch (...) {
                failed.store(true, std::memory_order_release);
                throw;
            }
            done.fetch_add(1, std::memory_order_release);
        }
        while (done.load(std::memory_order_acquire) < n_prep) {
            if (failed.load(std::memory_order_acquire)) return;  // the pool rethrows the first error
            std::this_thread::yield();
        }
        main(b);
    });
}

}  // namespace kiln::nn::kernels::conv_detail
