// kiln/naming.hpp: Gluon's automatic names. Each layer kind has a counter ("conv", "dense", ...);
// a new layer takes the next number, so the third Conv2D of a program is conv2 and its parameters
// are conv2_weight and conv2_bias. Counters are process-wide and thread-safe; reset() starts them
// again from 0 (tests, or a fresh model in the same process, as Gluon's `with mx.name.NameManager()`).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace kiln::naming {

namespace detail {
struct counters {
    std::mutex m;
    std::map<std::string, std::size_t, std::less<>> next;
};
inline counters& global() {
    static counters c;
    return c;
}
}  // namespace detail

// "conv" -> "conv0", then "conv1", ...
inline std::string next(std::string_view hint) {
    auto& c = detail::global();
    std::lock_guard<std::mutex> lock(c.m);
    auto it = c.next.find(hint);
    if (it == c.next.end()) it = c.next.emplace(std::string(hint), 0).first;
    return std::string(hint) + std::to_string(it->second++);
}

inline void reset() {
    auto& c = detail::global();
    std::lock_guard<std::mutex> lock(c.m);
    c.next.clear();
}

}  // namespace kiln::naming
