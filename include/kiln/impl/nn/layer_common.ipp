// kiln/impl/nn/layer_common.ipp: the bodies of kiln/nn/layer_common.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../../nn/layer_common.hpp"

namespace kiln::nn {

KILN_DECL std::string tuple_text(hw v) { return "(" + std::to_string(v.h) + ", " + std::to_string(v.w) + ")"; }

}  // namespace kiln::nn
