// kiln/gpu/dense.hpp: Dense forward on the gpu tag: one Thrust transform, one thread per output.
#pragma once

#include <cstddef>

#include <kiln/third_party/thrust.hpp>

namespace kiln::gpu_exec {

template <class T>
struct dense_element {
    const T* x;
    const T* w;
    const T* b;
    std::size_t in, units;
    KILN_HD T operator()(std::size_t o) const {
        const std::size_t m = o / units, u = o % units;
        const T* xr = x + m * in;
        const T* wr = w + u * in;
        T acc = b ? b[u] : T(0);
        for (std::size_t k = 0; k < in; ++k) acc += xr[k] * wr[k];
        return acc;
    }
};

template <class T>
void dense_forward(const T* x, const T* w, const T* b, T* y, std::size_t rows, std::size_t in, std::size_t units) {
    const std::size_t n = rows * units;
    if (n == 0) return;
    thrust::counting_iterator<std::size_t> first(0);
    thrust::transform(thrust::device, first, first + n, y, dense_element<T>{x, w, b, in, units});
}

}  // namespace kiln::gpu_exec
