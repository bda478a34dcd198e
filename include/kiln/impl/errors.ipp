// kiln/impl/errors.ipp: the bodies of kiln/errors.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../errors.hpp"

namespace kiln {

KILN_DECL detail::warning_state& detail::warnings() {
    static warning_state s;
    return s;
}

KILN_DECL warning_handler set_warning_handler(warning_handler h) {
    auto& s = detail::warnings();
    std::lock_guard<std::mutex> lock(s.m);
    auto old = std::move(s.h);
    s.h = std::move(h);
    return old;
}

KILN_DECL void warn(std::string_view msg) {
    auto& s = detail::warnings();
    warning_handler h;
    {
        std::lock_guard<std::mutex> lock(s.m);
        h = s.h;
    }
    if (h) h(msg);
}

}  // namespace kiln
