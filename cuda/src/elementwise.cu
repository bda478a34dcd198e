// libkiln_cuda: fills, copies, unary and binary operations on tensors and scalars, float <-> double
// conversion (the KILN_GPU_LIB_ELEMENTWISE_NODES list of kiln/gpu/library.hpp).
#include <kiln/expr_nodes.hpp>
#include <kiln/gpu/library.hpp>

#include "launch.cuh"

namespace kiln::gpu_lib {

#define KILN_GPU_LIB_DEFINE_RUN(T, ...) \
    void run(T* dst, std::size_t n, const __VA_ARGS__& e) { detail::launch_elementwise(dst, n, e); }
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DEFINE_RUN, float, double)
KILN_GPU_LIB_ELEMENTWISE_NODES(KILN_GPU_LIB_DEFINE_RUN, double, float)
#undef KILN_GPU_LIB_DEFINE_RUN

}  // namespace kiln::gpu_lib
