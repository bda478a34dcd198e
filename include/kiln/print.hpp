// kiln/print.hpp: tensors print exactly as Gluon prints an NDArray:
//   "\n" + numpy's str() of the data + "\n<NDArray 1x1x7x7 @cpu(0)>"
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config.hpp"
#include "detail/numpy_format.hpp"
#include "tensor.hpp"

namespace kiln {

namespace detail {
// The text of host values with these extents on device `ctx`: one copy per element type, whatever
// the tensor's shape and device types.
template <class T>
KILN_NOINLINE std::string ndarray_text_of(const std::vector<T>& host, const std::size_t* dims, std::size_t rank,
                                          const std::string& ctx) {
    std::string s = "\n";
    s += format_numpy(host.data(), dims, rank);
    s += "\n<NDArray " + extents_x_text(dims, rank) + " @" + ctx + ">";
    return s;
}
#ifdef KILN_SEPARATE_KERNELS
// Compiled once in <kiln/separate_kernels.hpp>.
extern template std::string ndarray_text_of<float>(const std::vector<float>&, const std::size_t*, std::size_t,
                                                   const std::string&);
extern template std::string ndarray_text_of<double>(const std::vector<double>&, const std::size_t*, std::size_t,
                                                    const std::string&);
#endif
template <class X>
std::string ndarray_text(const X& t) {
    const auto dims = t.shape().dims();
    // gpu tensors are copied to host memory first
    return ndarray_text_of(t.to_vector(), dims.data(), dims.size(), to_string(t.context()));
}
}  // namespace detail

template <class T, class S, class D>
std::string to_string(const Tensor<T, S, D>& t) {
    return detail::ndarray_text(t);
}
template <class T, class S, class D>
std::string to_string(const TensorView<T, S, D>& t) {
    return detail::ndarray_text(t);
}
template <class T, class S, class D>
std::ostream& operator<<(std::ostream& os, const Tensor<T, S, D>& t) {
    return os << detail::ndarray_text(t);
}
template <class T, class S, class D>
std::ostream& operator<<(std::ostream& os, const TensorView<T, S, D>& t) {
    return os << detail::ndarray_text(t);
}
template <std::size_t... N>
std::ostream& operator<<(std::ostream& os, const Shape<N...>& s) {
    return os << s.str();
}

}  // namespace kiln
