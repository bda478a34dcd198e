// libkiln_cuda: sum, max and min of a tensor: the nvcc executor's Thrust reductions (the same code
// an nvcc-compiled file runs for sum(t) / max(t) / min(t)), with Thrust failures as device_error.
#include <stdexcept>

#include <kiln/expr_nodes.hpp>
#include <kiln/gpu/executor.hpp>
#include <kiln/gpu/library.hpp>

namespace kiln::gpu_lib {

namespace {
template <class T>
T sum_of(const T* p, std::size_t n) {
    if (n == 0) return T(0);
    return gpu_exec::sum(node::leaf<T>{p, n}, n);
}
template <class Op, class T>
T fold_of(const T* p, std::size_t n) {
    if (n == 0) throw std::invalid_argument("kiln: max/min of an empty gpu tensor");
    return gpu_exec::fold_extremum<Op>(node::leaf<T>{p, n}, n);
}
}  // namespace

float sum(const float* p, std::size_t n) { return sum_of(p, n); }
double sum(const double* p, std::size_t n) { return sum_of(p, n); }
float max(const float* p, std::size_t n) { return fold_of<ops::maximum>(p, n); }
double max(const double* p, std::size_t n) { return fold_of<ops::maximum>(p, n); }
float min(const float* p, std::size_t n) { return fold_of<ops::minimum>(p, n); }
double min(const double* p, std::size_t n) { return fold_of<ops::minimum>(p, n); }

}  // namespace kiln::gpu_lib
