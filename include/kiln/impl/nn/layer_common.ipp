// kiln/impl/nn/layer_common.ipp: the bodies of kiln/nn/layer_common.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../../nn/layer_common.hpp"

namespace kiln::nn {

KILN_DECL std::string tuple_text(hw v) { return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")"; }

KILN_DECL void throw_input_elsewhere(const std::string& input_device, const std::string& layer,
                                     const std::string& params_device) {
    throw device_error("kiln: the input is on " + input_device + " but " + layer + "'s parameters are on " +
                       params_device);
}

}  // namespace kiln::nn
