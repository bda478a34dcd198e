// kiln: configuration macros shared by every header.
#pragma once

#include <cstddef>

// Functions that must run on both host and device (expression nodes, operators, shape queries).
#if defined(__CUDACC__)
#define KILN_HD __host__ __device__
#define KILN_DEVICE_CODE 1
#else
#define KILN_HD
#endif

// Which system the gpu tag runs on. Set by the build (meson option gpu_backend):
//   KILN_GPU_BACKEND_CUDA       a real GPU. In a file compiled by nvcc: Thrust's CUDA device system,
//                               every fused expression becomes one kernel. In a file compiled by a
//                               host compiler (g++/clang++): "precompiled mode", the gpu tag calls the
//                               operations precompiled into libkiln_cuda (cuda/src), one per
//                               single-operation expression (list in docs/gpu.md); no Thrust or CUDA
//                               header is included.
//   KILN_GPU_BACKEND_THRUST_CPP g++/clang++, Thrust's serial CPP device system
//   KILN_GPU_BACKEND_THRUST_OMP g++/clang++, Thrust's OpenMP device system
//   (none)                      the gpu tag exists as a type, using it for storage is a compile error
// Host SIMD helpers are forced inline and their short fixed loops unrolled: a call or a loop in the
// middle of the executor's loop passes every register through memory, and g++ -O2 neither inlines
// large helpers nor unrolls loops whose bodies are long (measured: a random fill twice as slow at -O2
// as at -O3 without these).
#if defined(__GNUC__) || defined(__clang__)
#define KILN_SIMD_INLINE [[gnu::always_inline]] inline
#else
#define KILN_SIMD_INLINE inline
#endif
// Code that many template instantiations call but that does not depend on their parameters (error
// texts, reprs, the thread pool's parallel region): kept out of line, so a file compiles it once
// instead of inlining a copy into every caller.
#if defined(__GNUC__) || defined(__clang__)
#define KILN_NOINLINE [[gnu::noinline]]
#else
#define KILN_NOINLINE
#endif
// Error paths (functions that build an error text and throw, or warn): never inlined into their
// callers, compiled for size. Unlike noinline, g++ accepts it on a KILN_DECL declaration.
#if defined(__GNUC__) || defined(__clang__)
#define KILN_COLD [[gnu::cold]]
#else
#define KILN_COLD
#endif
// kiln's non-template functions with real bodies (texts and errors, automatic names, the thread
// pool, warnings) are declared KILN_DECL, and the bodies of kiln/X.hpp's live in kiln/impl/X.ipp:
//  - header-only (the default): KILN_DECL is `inline` and each header includes its .ipp at its end,
//    so every file that calls one compiles its own copy;
//  - with -DKILN_SEPARATE_KERNELS on every file of a program: they are ordinary functions, declared
//    everywhere and compiled once, in the one file that includes <kiln/separate_kernels.hpp>
//    (which includes every .ipp), together with the largest template instantiations.
#ifdef KILN_SEPARATE_KERNELS
#define KILN_DECL
#define KILN_HEADER_ONLY 0
#else
#define KILN_DECL inline
#define KILN_HEADER_ONLY 1
#endif
#if defined(__clang__)
#define KILN_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__) && !defined(__CUDACC__)
#define KILN_UNROLL _Pragma("GCC unroll 16")
#else
#define KILN_UNROLL
#endif

#if defined(KILN_GPU_BACKEND_CUDA) || defined(KILN_GPU_BACKEND_THRUST_CPP) || defined(KILN_GPU_BACKEND_THRUST_OMP)
#define KILN_HAS_GPU_BACKEND 1
#else
#define KILN_HAS_GPU_BACKEND 0
#endif
// The backend's name in error texts (gpu_detail::backend_name()).
#if defined(KILN_GPU_BACKEND_CUDA)
#define KILN_GPU_BACKEND_NAME "cuda"
#elif defined(KILN_GPU_BACKEND_THRUST_OMP)
#define KILN_GPU_BACKEND_NAME "thrust-omp"
#else
#define KILN_GPU_BACKEND_NAME "thrust-cpp"
#endif

// 1 where the gpu tag runs precompiled single operations (device_ops<gpu> is
// cuda/kiln/gpu/precompiled.hpp, and no Thrust header is included):
//  - a host-compiled file of a CUDA build: the operations are libkiln_cuda's;
//  - every file of a -DKILN_SEPARATE_KERNELS program with a host backend (thrust-cpp, thrust-omp):
//    the operations are compiled once, with the other separate kernels, by the file that includes
//    <kiln/separate_kernels.hpp> (cuda/kiln/gpu/host_library.ipp), so that no file of the program
//    parses Thrust (about 1 s of g++ per file; docs/performance.md, W4).
#if defined(KILN_GPU_BACKEND_CUDA) && !defined(__CUDACC__)
#define KILN_GPU_PRECOMPILED 1
#define KILN_GPU_HOST_LIBRARY 0
#elif defined(KILN_SEPARATE_KERNELS) && (defined(KILN_GPU_BACKEND_THRUST_CPP) || defined(KILN_GPU_BACKEND_THRUST_OMP))
#define KILN_GPU_PRECOMPILED 1
#define KILN_GPU_HOST_LIBRARY 1
#else
#define KILN_GPU_PRECOMPILED 0
#define KILN_GPU_HOST_LIBRARY 0
#endif

namespace kiln {
using index_t = std::size_t;
}
