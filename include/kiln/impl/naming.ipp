// kiln/impl/naming.ipp: the bodies of kiln/naming.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../naming.hpp"

namespace kiln::naming {

KILN_DECL detail::counters& detail::global() {
    static counters c;
    return c;
}

KILN_DECL std::string next(std::string_view hint) {
    auto& c = detail::global();
    std::lock_guard<std::mutex> lock(c.m);
    auto it = c.next.find(hint);
    if (it == c.next.end()) it = c.next.emplace(std::string(hint), 0).first;
    return std::string(hint) + std::to_string(it->second++);
}

KILN_DECL void reset() {
    auto& c = detail::global();
    std::lock_guard<std::mutex> lock(c.m);
    c.next.clear();
}

}  // namespace kiln::naming
