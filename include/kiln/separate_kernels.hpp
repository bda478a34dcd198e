// kiln/separate_kernels.hpp: what a program built with -DKILN_SEPARATE_KERNELS compiles once
// instead of in every file: the largest cpu instantiations (the Conv2D algorithms, the initializers'
// random fills and constant fills, NumPy-style printing, for float and double), the bodies of
// kiln's non-template functions (KILN_DECL in kiln/config.hpp: the thread pool, automatic names,
// warnings, error texts and reprs), and, on a host gpu backend, the gpu tag's operations. Include
// this in exactly one .cpp file of the program (it may include other kiln headers too); every file
// of the program is compiled with -DKILN_SEPARATE_KERNELS, so that the others only declare these
// (see docs/performance.md, W4).
// Forgetting this file is a link error that names what it defines.
#pragma once

#include "kiln.hpp"

#ifndef KILN_SEPARATE_KERNELS
#error "kiln/separate_kernels.hpp is for programs compiled with -DKILN_SEPARATE_KERNELS (in every file)"
#endif

// The bodies of the KILN_DECL functions, as ordinary (non-inline) functions.
// (kiln/X.hpp's are in kiln/impl/X.ipp; tests/headers/check.py checks that this list is complete.)
#include "impl/device.ipp"
#include "impl/errors.ipp"
#include "impl/naming.ipp"
#include "impl/nn/conv/params.ipp"
#include "impl/nn/conv2d.ipp"
#include "impl/nn/layer_common.ipp"
#include "impl/parallel.ipp"
#include "impl/parameter.ipp"
#include "impl/shape.ipp"

// The gpu tag's single operations on a host backend (thrust-cpp, thrust-omp): in this mode every
// file of the program runs the gpu tag in precompiled mode and parses no Thrust (config.hpp).
#if KILN_GPU_HOST_LIBRARY
#include <kiln/gpu/host_library.ipp>
#endif

namespace kiln::nn::kernels {  // the Conv2D cpu algorithms
template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const double*, const double*, double*);
template conv2d_prepared<float> conv2d_prepare_cpu<float>(const conv2d_params&, const float*);
template conv2d_prepared<double> conv2d_prepare_cpu<double>(const conv2d_params&, const double*);
template void conv2d_forward_cpu<float>(const conv2d_params&, const float*, const conv2d_prepared<float>&, const float*,
                                        float*);
template void conv2d_forward_cpu<double>(const conv2d_params&, const double*, const conv2d_prepared<double>&,
                                         const double*, double*);
}  // namespace kiln::nn::kernels

namespace kiln::cpu_exec {  // the initializers' random fills, and constant fills (zeros, ones, full, fill)
template void assign<float, node::uniform_random<float>>(float*, const node::uniform_random<float>&, std::size_t);
template void assign<double, node::uniform_random<double>>(double*, const node::uniform_random<double>&, std::size_t);
template void assign<float, node::normal_random<float>>(float*, const node::normal_random<float>&, std::size_t);
template void assign<double, node::normal_random<double>>(double*, const node::normal_random<double>&, std::size_t);
template void assign<float, node::scalar<float>>(float*, const node::scalar<float>&, std::size_t);
template void assign<double, node::scalar<double>>(double*, const node::scalar<double>&, std::size_t);
}  // namespace kiln::cpu_exec

namespace kiln::detail {  // NumPy-style printing
template std::string format_numpy<float>(const float*, const std::size_t*, std::size_t);
template std::string format_numpy<double>(const double*, const std::size_t*, std::size_t);
template std::string ndarray_text_of<float>(const std::vector<float>&, const std::size_t*, std::size_t,
                                            const std::string&);
template std::string ndarray_text_of<double>(const std::vector<double>&, const std::size_t*, std::size_t,
                                             const std::string&);
}  // namespace kiln::detail
