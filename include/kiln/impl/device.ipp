// kiln/impl/device.ipp: the bodies of kiln/device.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../device.hpp"

namespace kiln::detail {

KILN_DECL std::string device_text(const char* type_name, int device_id) {
    return std::string(type_name) + "(" + std::to_string(device_id) + ")";
}

KILN_DECL void throw_different_devices(const std::string& a, const std::string& b) {
    throw device_error("kiln: operands live on different devices: " + a + " vs " + b + "; copy one with .to(" + a +
                       ")");
}

}  // namespace kiln::detail
