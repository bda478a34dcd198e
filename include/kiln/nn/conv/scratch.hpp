// kiln/nn/conv/scratch.hpp: uninitialised, 64-byte aligned scratch memory for the convolution
// kernels.
//
// Buffers up to 16 MB come from a small per-thread cache (one buffer per slot, grown on demand and
// kept until the thread ends), so a convolution called in a loop does not map and fault in fresh
// pages on every call; larger ones are allocated and freed by the scratch object. A slot's memory
// is valid until the same thread takes the same slot again: the calling thread uses slots
// call_*, the parallel blocks (which may run on the calling thread too) use slots block_*.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace kiln::nn::kernels::conv_detail {

enum scratch_slot : std::size_t { call_a, call_b, block_a, block_b, block_c, block_d, n_scratch_slots };

class thread_scratch_cache {
public:
    static constexpr std::size_t max_cached = std::size_t(16) << 20;

    static void* get(std::size_t slot, std::size_t bytes) {
        thread_local thread_scratch_cache cache;
        return cache.take(slot, bytes);
    }

    ~thread_scratch_cache() {
        for (auto& e : e_)
            if (e.p) ::operator delete(e.p, std::align_val_t(64));
    }

private:
    struct entry {
        void* p = nullptr;
        std::size_t bytes = 0;
    };
    void* take(std::size_t slot, std::size_t bytes) {
        entry& e = e_[slot];
        if (e.bytes < bytes) {
            if (e.p) ::operator delete(e.p, std::align_val_t(64));
            e.p = nullptr;
            e.bytes = 0;
            const std::size_t grown = bytes + bytes / 8;  // a little room for the next, larger request
            e.p = ::operator new(grown, std::align_val_t(64));
            e.bytes = grown;
        }
        return e.p;
    }
    entry e_[n_scratch_slots];
};

// A number unique to each convolution call, for per-thread buffers filled once per call.
inline std::uint64_t next_call_id() {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

template <class T>
class scratch {
public:
    scratch() = default;
    scratch(std::size_t n, scratch_slot slot) { allocate(n, slot); }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    ~scratch() { release(); }

    // Uninitialised room for n elements (at least one), replacing the previous contents.
    void allocate(std::size_t n, scratch_slot slot) {
        release();
        const std::size_t bytes = (n ? n : 1) * sizeof(T);
        if (bytes <= thread_scratch_cache::max_cached) {
            p_ = static_cast<T*>(thread_scratch_cache::get(slot, bytes));
        } else {
            p_ = static_cast<T*>(::operator new(bytes, std::align_val_t(64)));
            owned_ = true;
        }
    }
    T* data() const { return p_; }

private:
    void release() {
        if (owned_) ::operator delete(p_, std::align_val_t(64));
        p_ = nullptr;
        owned_ = false;
    }
    T* p_ = nullptr;
    bool owned_ = false;
};

}  // namespace kiln::nn::kernels::conv_detail
