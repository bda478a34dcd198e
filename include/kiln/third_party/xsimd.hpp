// The one place kiln includes xsimd. Version differences (8.1 vs 9+) are absorbed here.
#pragma once

#if defined(__has_include)
#if !__has_include(<xsimd/xsimd.hpp>)
#error "kiln needs xsimd (Debian: apt-get install libxsimd-dev)"
#endif
#endif
// g++ 12 reports false "'__Y' is used uninitialized" warnings from the AVX-512 intrinsics headers
// when xsimd's math (exp, nearbyint, int conversions, shifts) is inlined: the intrinsics start from
// _mm512_undefined_*() on purpose (docs: ../shared/reference/toolchain.md). Middle-end warnings
// obey the pragma state at the reported line, so the two flags are switched off only for the
// intrinsics headers and xsimd, included here first; kiln's own code keeps every warning.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// Only the intrinsics headers the target can use: <immintrin.h> declares every x86 extension and
// costs g++ 12 about 0.4 s per file (measured on a file that includes <iostream> and xsimd, -O2);
// an SSE2-only build (the default x86-64 target) needs <emmintrin.h> alone, which xsimd includes
// anyway. kiln's own intrinsics follow the same guards: AVX, AVX-512 and FMA code only under
// __AVX__, __AVX512F__ or __FMA__, SSE2 code under __SSE2__.
#if defined(__AVX__) || defined(__FMA__) || defined(__AVX512F__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <xsimd/xsimd.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstdint>
#include <type_traits>

namespace kiln::simd {

template <class T>
using batch = xsimd::batch<T>;  // the default (compiled-in) architecture

template <class T>
inline constexpr std::size_t width = xsimd::batch<T>::size;

inline constexpr std::size_t alignment = xsimd::default_arch::alignment();

template <class B>
inline B load(const typename B::value_type* p) { return B::load_unaligned(p); }

template <class B>
inline void store(typename B::value_type* p, const B& b) { b.store_unaligned(p); }

// Horizontal reductions: xsimd 8.1 has hadd only; 9+ renamed it reduce_add and added reduce_max/min.
template <class B>
inline typename B::value_type reduce_sum(const B& b) {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_add(b);
#else
    return xsimd::hadd(b);
#endif
}

template <class B>
inline typename B::value_type reduce_max(const B& b) {
    alignas(alignment) typename B::value_type tmp[B::size];
    b.store_aligned(tmp);
    auto m = tmp[0];
    for (std::size_t i = 1; i < B::size; ++i) m = tmp[i] > m ? tmp[i] : m;
    return m;
}

template <class B>
inline typename B::value_type reduce_min(const B& b) {
    alignas(alignment) typename B::value_type tmp[B::size];
    b.store_aligned(tmp);
    auto m = tmp[0];
    for (std::size_t i = 1; i < B::size; ++i) m = tmp[i] < m ? tmp[i] : m;
    return m;
}

// Non-temporal (streaming) store of a full batch to an address aligned to the batch size; a plain
// aligned store where the architecture has none. Call stream_fence() after the last one.
template <class B>
inline void stream(typename B::value_type* p, const B& b) {
    using T = typename B::value_type;
#if defined(__AVX512F__)
    if constexpr (B::size * sizeof(T) == 64) {
        if constexpr (std::is_same_v<T, float>) return _mm512_stream_ps(p, b);
        if constexpr (std::is_same_v<T, double>) return _mm512_stream_pd(p, b);
    }
#endif
#if defined(__AVX__)
    if constexpr (B::size * sizeof(T) == 32) {
        if constexpr (std::is_same_v<T, float>) return _mm256_stream_ps(p, b);
        if constexpr (std::is_same_v<T, double>) return _mm256_stream_pd(p, b);
    }
#endif
#if defined(__SSE2__)
    if constexpr (B::size * sizeof(T) == 16) {
        if constexpr (std::is_same_v<T, float>) return _mm_stream_ps(p, b);
        if constexpr (std::is_same_v<T, double>) return _mm_stream_pd(p, b);
    }
#endif
    b.store_aligned(p);
}

inline void stream_fence() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
}

inline const char* arch_name() { return xsimd::default_arch::name(); }

}  // namespace kiln::simd
