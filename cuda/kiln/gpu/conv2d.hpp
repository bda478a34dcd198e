// kiln/gpu/conv2d.hpp: conv2d forward for the gpu tag: one Thrust transform over the output, one
// thread per output element computing its full dot product. Runs on whichever Thrust device system
// the build selected (CUDA under nvcc; CPP/OMP with a host compiler). Included from
// kiln/nn/conv2d_kernels.hpp when the build has a gpu backend.
#pragma once

#include <cstddef>

#include <kiln/config.hpp>
#include <kiln/nn/conv2d_kernels.hpp>
#include <kiln/third_party/thrust.hpp>

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

}  // namespace kiln::gpu_exec

namespace kiln::nn::kernels {

template <class T>
void conv2d_forward_gpu(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y) {
    static_assert(conv_detail::conv_element<T>, "kiln: conv2d supports float and double");
    p.validate();
    const std::size_t total = p.y_size();
    if (total == 0) return;
    const auto sd = [](std::size_t v) { return static_cast<std::ptrdiff_t>(v); };
    const gpu_exec::conv2d_element<T> f{.x = x, .w = w, .bias = bias,
                                        .C = p.C, .K = p.K, .P = p.P(), .Q = p.Q(), .R = p.R, .S = p.S,
                                        .Cg = p.C / p.groups, .Kg = p.K / p.groups,
                                        .H = sd(p.H), .W = sd(p.W),
                                        .stride_h = sd(p.stride_h), .stride_w = sd(p.stride_w),
                                        .pad_h = sd(p.pad_h), .pad_w = sd(p.pad_w),
                                        .dil_h = sd(p.dil_h), .dil_w = sd(p.dil_w)};
    thrust::counting_iterator<std::size_t> first(0);
    thrust::transform(thrust::device, first, first + total, y, f);
}

}  // namespace kiln::nn::kernels
