// The one place kiln includes xtensor (0.24 flat layout; 0.26 moved headers into subfolders).
#pragma once

#ifndef XTENSOR_USE_XSIMD
#define XTENSOR_USE_XSIMD 1
#endif

#include "xsimd.hpp"

#if __has_include(<xtensor/containers/xtensor.hpp>)
#include <xtensor/containers/xtensor.hpp>
#include <xtensor/containers/xadapt.hpp>
#elif __has_include(<xtensor/xtensor.hpp>)
#include <xtensor/xtensor.hpp>
#include <xtensor/xadapt.hpp>
#else
#error "kiln needs xtensor (Debian: apt-get install libxtensor-dev)"
#endif

namespace kiln::xtl_bridge {
// Flat, SIMD-aligned owning buffer used by cpu tensors.
template <class T>
using aligned_buffer = xt::xtensor<T, 1, xt::layout_type::row_major, xsimd::aligned_allocator<T, simd::alignment>>;
}  // namespace kiln::xtl_bridge
