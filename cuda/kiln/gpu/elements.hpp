// kiln/gpu/elements.hpp: what one gpu thread computes for Conv2D and Dense forward (one output
// element each), as plain functors of raw pointers and sizes, and for a node that draws by quad
// columns (column_node: the uniform float fill, 16 elements from 3 Philox blocks). No Thrust: the
// Thrust backends run them through thrust::transform / for_each (kiln/gpu/conv2d.hpp, dense.hpp,
// executor.hpp), and the host library of a -DKILN_SEPARATE_KERNELS program
// (kiln/gpu/host_library.ipp) through a loop, so both give the same bits.
#pragma once

#include <cstddef>

#include <kiln/config.hpp>

namespace kiln::gpu_exec {

// Everything the device needs, as plain values (conv2d_params' member functions are host-only).
template <class T>
struct conv2d_element {
    const T* x;
    const T* w;
    const T* bias;  // may be null
    std::size_t C, K, P, Q, R, S, Cg, Kg;
    std::ptrdiff_t H, W, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;

    KILN_HD T operator()(std::size_t i) const {
        const std::size_t ow = i % Q;
        std::size_t t = i / Q;
        const std::size_t oh = t % P;
        t /= P;
        const std::size_t k = t % K;
        const std::size_t n = t / K;
        const std::size_t g = k / Kg;

        const std::ptrdiff_t ih0 = static_cast<std::ptrdiff_t>(oh) * stride_h - pad_h;
        const std::ptrdiff_t iw0 = static_cast<std::ptrdiff_t>(ow) * stride_w - pad_w;
        const std::size_t hw = static_cast<std::size_t>(H) * static_cast<std::size_t>(W);
        T acc = bias ? bias[k] : T(0);
        for (std::size_t c = 0; c < Cg; ++c) {
            const T* xc = x + (n * C + g * Cg + c) * hw;
            const T* wc = w + (k * Cg + c) * R * S;
            for (std::size_t r = 0; r < R; ++r) {
                const std::ptrdiff_t ih = ih0 + static_cast<std::ptrdiff_t>(r) * dil_h;
                if (ih < 0 || ih >= H) continue;  // zero padding
                const T* xrow = xc + ih * W;
                for (std::size_t s = 0; s < S; ++s) {
                    const std::ptrdiff_t iw = iw0 + static_cast<std::ptrdiff_t>(s) * dil_w;
                    if (iw < 0 || iw >= W) continue;
                    acc += xrow[iw] * wc[r * S + s];
                }
            }
        }
        return acc;
    }
};

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

// A node whose gpu work item is quad column q: column(q, v) gives elements 64(q/4) + 16r + 4(q%4) + j
// as v[4r + j] (r, j < 4), bit for bit its at() (node::uniform_random<float>, docs/random.md).
template <class Node>
concept column_node = requires(const Node& e, std::size_t q, typename Node::value_type (&v)[16]) { e.column(q, v); };

// The quad columns that cover n elements.
KILN_HD inline std::size_t column_count(std::size_t n) { return (n + 63) / 64 * 4; }
// The first element of column q (row 0); row r starts 16r further.
KILN_HD inline std::size_t column_first(std::size_t q) { return q / 4 * 64 + q % 4 * 4; }

// dst[i] = e.at(i) for the elements of column q below n, one store each.
template <class T, class Node>
KILN_HD void store_column(T* dst, std::size_t n, const Node& e, std::size_t q) {
    T v[16];
    e.column(q, v);
    const std::size_t first = column_first(q);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t j = 0; j < 4; ++j)
            if (first + 16 * r + j < n) dst[first + 16 * r + j] = v[4 * r + j];
}

}  // namespace kiln::gpu_exec
