// kiln/impl/nn/conv2d.ipp: the bodies of kiln/nn/conv2d.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../../nn/conv2d.hpp"

namespace kiln::nn {

KILN_DECL std::string conv2d_repr(const conv2d& opt, std::size_t in_per_group) {
    std::string s = "Conv2D(";
    s += in_per_group ? std::to_string(in_per_group) : std::string("None");
    s += " -> " + std::to_string(opt.channels) + ", kernel_size=" + tuple_text(opt.kernel_size) +
         ", stride=" + tuple_text(opt.strides);
    if (opt.padding.h != 0 || opt.padding.w != 0) s += ", padding=" + tuple_text(opt.padding);
    if (opt.dilation.h != 1 || opt.dilation.w != 1) s += ", dilation=" + tuple_text(opt.dilation);
    if (opt.groups != 1) s += ", groups=" + std::to_string(opt.groups);
    if (!opt.use_bias) s += ", bias=False";
    s += ")";
    return s;
}

KILN_DECL std::size_t conv2d_deferred_in_per_group(const conv2d& opt, const std::string& prefix,
                                                   std::size_t in_channels) {
    if (in_channels % opt.groups != 0)
        throw shape_error("kiln: input num_filter must divide group size: the input has " + std::to_string(in_channels) +
                          " channels, " + layer_name(prefix) + " has " + std::to_string(opt.groups) +
                          " groups");
    return in_channels / opt.groups;
}

KILN_DECL kernels::conv2d_params conv2d_forward_params(const conv2d& opt, const std::string& prefix,
                                                       const std::size_t* x, std::size_t w_in_per_group) {
    if (w_in_per_group * opt.groups != x[1]) {
        const std::size_t w[4] = {opt.channels, w_in_per_group, opt.kernel_size.h, opt.kernel_size.w};
        throw shape_error("kiln: " + layer_name(prefix) + " expects " +
                          std::to_string(w_in_per_group * opt.groups) + " input channels but the input has " +
                          std::to_string(x[1]) + ": input " + detail::extents_text(x, 4) + " vs weight " +
                          detail::extents_text(w, 4));
    }
    kernels::conv2d_params p{};
    p.N = x[0], p.C = x[1], p.H = x[2], p.W = x[3];
    p.K = opt.channels, p.R = opt.kernel_size.h, p.S = opt.kernel_size.w;
    p.stride_h = opt.strides.h, p.stride_w = opt.strides.w;
    p.pad_h = opt.padding.h, p.pad_w = opt.padding.w;
    p.dil_h = opt.dilation.h, p.dil_w = opt.dilation.w;
    p.groups = opt.groups;
    p.validate();
    return p;
}

}  // namespace kiln::nn
