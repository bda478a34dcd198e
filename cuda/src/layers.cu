// libkiln_cuda: Conv2D forward (conv2d_forward_gpu<T> of kiln/gpu/conv2d.hpp, instantiated here for
// float and double) and Dense forward (gpu_exec::dense_forward of kiln/gpu/dense.hpp).
#include <kiln/nn/conv2d_kernels.hpp>  // includes kiln/gpu/conv2d.hpp at its end

#include <kiln/gpu/dense.hpp>
#include <kiln/gpu/library.hpp>

namespace kiln::nn::kernels {
template void conv2d_forward_gpu<float>(const conv2d_params&, const float*, const float*, const float*, float*);
template void conv2d_forward_gpu<double>(const conv2d_params&, const double*, const double*, const double*, double*);
}  // namespace kiln::nn::kernels

namespace kiln::gpu_lib {

void dense_forward(const float* x, const float* w, const float* b, float* y, std::size_t rows, std::size_t in,
                   std::size_t units) {
    gpu_exec::dense_forward(x, w, b, y, rows, in, units);
}
void dense_forward(const double* x, const double* w, const double* b, double* y, std::size_t rows, std::size_t in,
                   std::size_t units) {
    gpu_exec::dense_forward(x, w, b, y, rows, in, units);
}

}  // namespace kiln::gpu_lib
