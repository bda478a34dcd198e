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

}  // namespace kiln::nn
