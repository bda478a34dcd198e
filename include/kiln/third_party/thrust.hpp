// The one place kiln includes Thrust (CCCL). The device system is chosen by the build:
// THRUST_DEVICE_SYSTEM is set here from kiln's backend macro so users only pick one thing.
#pragma once

#include "../config.hpp"

#if KILN_GPU_PRECOMPILED
// A host-compiled file of a CUDA build reaches the GPU only through libkiln_cuda's functions
// (kiln/gpu/precompiled.hpp); no kiln header may pull Thrust (or the CUDA runtime) into it.
#error "kiln: internal: Thrust included in precompiled mode (a host-compiled file with KILN_GPU_BACKEND_CUDA)"
#elif KILN_HAS_GPU_BACKEND
#if defined(KILN_GPU_BACKEND_THRUST_CPP) && !defined(THRUST_DEVICE_SYSTEM)
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_CPP
#elif defined(KILN_GPU_BACKEND_THRUST_OMP) && !defined(THRUST_DEVICE_SYSTEM)
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_OMP
#endif
#if !__has_include(<thrust/device_vector.h>)
#error "kiln: the gpu backend needs Thrust: add -I$CUDA_HOME/include/cccl (CUDA toolkit >= 12) to the include path"
#endif
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>
#include <thrust/version.h>
#include <thrust/system_error.h>
#endif
