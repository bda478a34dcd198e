// kiln/print.hpp: tensors print exactly as Gluon prints an NDArray:
//   "\n" + numpy's str() of the data + "\n<NDArray 1x1x7x7 @cpu(0)>"
#pragma once

#include <ostream>
#include <sstream>
#include <string>

#include "detail/numpy_format.hpp"
#include "tensor.hpp"

namespace kiln {

namespace detail {
template <class X>
std::string ndarray_text(const X& t) {
    const auto host = t.to_vector();  // gpu tensors are copied to host memory first
    const auto dims = t.shape().dims();
    std::string s = "\n";
    s += format_numpy(host.data(), dims.data(), dims.size());
    s += "\n<NDArray " + t.shape().x_str() + " @" + to_string(t.context()) + ">";
    return s;
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
