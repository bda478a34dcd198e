// The one place kiln includes xtensor (0.24 flat layout; 0.26 moved headers into subfolders).
#pragma once

#ifndef XTENSOR_USE_XSIMD
#define XTENSOR_USE_XSIMD 1
#endif

#include "xsimd.hpp"

// Only xtensor's storage container is needed (the full xtensor.hpp costs ~0.2 s more per TU).
// g++ 12 reports false -Warray-bounds / -Wmaybe-uninitialized inside xtensor's svector and uvector
// when they are inlined at -O2/-O3 (toolchain notes); switched off for these headers only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#if __has_include(<xtensor/containers/xstorage.hpp>)
#include <xtensor/containers/xstorage.hpp>
#elif __has_include(<xtensor/xstorage.hpp>)
#include <xtensor/xstorage.hpp>
#else
#error "kiln needs xtensor (Debian: apt-get install libxtensor-dev)"
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace kiln::xtensor_bridge {
// Flat, SIMD-aligned owning buffer used by cpu tensors.
template <class T>
using aligned_buffer = xt::uvector<T, xsimd::aligned_allocator<T, simd::alignment>>;
}  // namespace kiln::xtensor_bridge
