// kiln/separate_kernels.hpp: the cpu kernels of a program built with -DKILN_SEPARATE_KERNELS,
// instantiated once. Include this in exactly one .cpp file of the program (it may include other
// kiln headers too); every file of the program is compiled with -DKILN_SEPARATE_KERNELS, so that
// the others only declare the kernels (see kiln/nn/conv2d_kernels.hpp and docs/performance.md, W4).
#pragma once

#include "nn/conv2d_kernels.hpp"

#ifndef KILN_SEPARATE_KERNELS
#error "kiln/separate_kernels.hpp is for programs compiled with -DKILN_SEPARATE_KERNELS (in every file)"
#endif

namespace kiln::nn::kernels {
template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const double*, const double*, double*);
}  // namespace kiln::nn::kernels
