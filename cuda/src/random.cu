// libkiln_cuda: random fills. The kernel evaluates node::uniform_random<T>::at(i) /
// node::normal_random<T>::at(i) from kiln/random.hpp, which the cpu executor's SIMD path matches bit
// for bit, so every initializer draws the same bits on cpu and gpu (docs/random.md).
#include <kiln/gpu/library.hpp>
#include <kiln/random.hpp>

#include "launch.cuh"

namespace kiln::gpu_lib {

#define KILN_GPU_LIB_DEFINE_RUN(T, ...) \
    void run(T* dst, std::size_t n, const __VA_ARGS__& e) { detail::launch_elementwise(dst, n, e); }
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DEFINE_RUN, float)
KILN_GPU_LIB_RANDOM_NODES(KILN_GPU_LIB_DEFINE_RUN, double)
#undef KILN_GPU_LIB_DEFINE_RUN

}  // namespace kiln::gpu_lib
