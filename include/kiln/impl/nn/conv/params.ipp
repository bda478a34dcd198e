// kiln/impl/nn/conv/params.ipp: the bodies of kiln/nn/conv/params.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include <utility>

#include "../../../nn/conv/params.hpp"

namespace kiln::nn::kernels {

KILN_DECL void conv2d_params::validate() const {
    if (stride_h == 0 || stride_w == 0)
        throw shape_error("kiln: conv2d stride must be at least 1, got " + pair(stride_h, stride_w));
    if (dil_h == 0 || dil_w == 0)
        throw shape_error("kiln: conv2d dilation must be at least 1, got " + pair(dil_h, dil_w));
    if (groups == 0) throw shape_error("kiln: conv2d groups must be at least 1, got 0");
    if (R == 0 || S == 0) throw shape_error("kiln: conv2d kernel must be at least 1x1, got " + pair(R, S));
    if (C % groups != 0)
        throw shape_error("kiln: input num_filter must divide group size: " + std::to_string(C) +
                          " input channels cannot be split into " + std::to_string(groups) + " groups");
    if (K % groups != 0)
        throw shape_error("kiln: output num_filter must divide group size: " + std::to_string(K) +
                          " output channels cannot be split into " + std::to_string(groups) + " groups");
    check_fits("height", H, R, pad_h, dil_h);
    check_fits("width", W, S, pad_w, dil_w);
}

KILN_DECL std::string conv2d_params::pair(std::size_t a, std::size_t b) {
    return "(" + std::to_string(a) + ", " + std::to_string(b) + ")";
}

KILN_DECL void conv2d_params::check_fits(const char* what, std::size_t in, std::size_t k, std::size_t p,
                                         std::size_t d) {
    if (in + 2 * p < dilated(k, d))
        throw shape_error(std::string("kiln: kernel size exceeds input: input ") + what + " " + std::to_string(in) +
                          " with padding " + std::to_string(p) + ", dilated kernel " + what + " " +
                          std::to_string(dilated(k, d)) + " (kernel " + std::to_string(k) + ", dilation " +
                          std::to_string(d) + ")");
}

namespace conv_detail {
KILN_DECL void check_static(const conv2d_static& f, const conv2d_params& p) {
    const std::pair<const char*, std::pair<std::size_t, std::size_t>> fields[] = {
        {"K", {f.K, p.K}},
        {"C", {f.C, p.C}},
        {"R", {f.R, p.R}},
        {"S", {f.S, p.S}},
        {"stride_h", {f.stride_h, p.stride_h}},
        {"stride_w", {f.stride_w, p.stride_w}},
        {"pad_h", {f.pad_h, p.pad_h}},
        {"pad_w", {f.pad_w, p.pad_w}},
        {"dil_h", {f.dil_h, p.dil_h}},
        {"dil_w", {f.dil_w, p.dil_w}},
        {"groups", {f.groups, p.groups}},
    };
    for (const auto& [name, v] : fields)
        if (v.first != dyn && v.first != v.second)
            throw shape_error(std::string("kiln: conv2d: the compile-time conv2d_static says ") + name + " = " +
                              std::to_string(v.first) + " but the call has " + name + " = " +
                              std::to_string(v.second));
    if (p.algo != conv2d_algo::automatic)
        throw shape_error(std::string("kiln: conv2d: a call with a compile-time conv2d_static runs the automatic "
                                      "choice; it cannot force algorithm ") +
                          algo_name(p.algo) + " (use conv2d_forward_cpu)");
}

}  // namespace conv_detail

}  // namespace kiln::nn::kernels
