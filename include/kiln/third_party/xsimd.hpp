// The one place kiln includes xsimd. Version differences (8.1 vs 9+) are absorbed here.
#pragma once

#if defined(__has_include)
#if !__has_include(<xsimd/xsimd.hpp>)
#error "kiln needs xsimd (Debian: apt-get install libxsimd-dev)"
#endif
#endif
#include <xsimd/xsimd.hpp>

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

inline const char* arch_name() { return xsimd::default_arch::name(); }

}  // namespace kiln::simd
