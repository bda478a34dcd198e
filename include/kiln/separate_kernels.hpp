// kiln/separate_kernels.hpp: the largest cpu instantiations of a program built with
// -DKILN_SEPARATE_KERNELS (the Conv2D algorithms, the initializers' random fills and NumPy-style
// printing, for float and double), instantiated once. Include this in exactly one .cpp file of the
// program (it may include other kiln headers too); every file of the program is compiled with
// -DKILN_SEPARATE_KERNELS, so that the others only declare these (see kiln/nn/conv2d_kernels.hpp
// and docs/performance.md, W4).
#pragma once

#include "detail/numpy_format.hpp"
#include "nn/conv2d_kernels.hpp"
#include "random.hpp"

#ifndef KILN_SEPARATE_KERNELS
#error "kiln/separate_kernels.hpp is for programs compiled with -DKILN_SEPARATE_KERNELS (in every file)"
#endif

namespace kiln::nn::kernels {  // the Conv2D cpu algorithms
template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const double*, const double*, double*);
}  // namespace kiln::nn::kernels

namespace kiln::cpu_exec {  // the initializers' random fills
template void assign<float, node::uniform_random<float>>(float*, const node::uniform_random<float>&, std::size_t);
template void assign<double, node::uniform_random<double>>(double*, const node::uniform_random<double>&, std::size_t);
template void assign<float, node::normal_random<float>>(float*, const node::normal_random<float>&, std::size_t);
template void assign<double, node::normal_random<double>>(double*, const node::normal_random<double>&, std::size_t);
}  // namespace kiln::cpu_exec

namespace kiln::detail {  // NumPy-style printing
template std::string format_numpy<float>(const float*, const std::size_t*, std::size_t);
template std::string format_numpy<double>(const double*, const std::size_t*, std::size_t);
}  // namespace kiln::detail
