// kiln/naming.hpp: Gluon's automatic names. Each layer kind has a counter ("conv", "dense", ...);
// a new layer takes the next number, so the third Conv2D of a program is conv2 and its parameters
// are conv2_weight and conv2_bias. Counters are process-wide and thread-safe; reset() starts them
// again from 0 (tests, or a fresh model in the same process, as Gluon's `with mx.name.NameManager()`).
#pragma once

#include "config.hpp"

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
KILN_DECL counters& global();
}  // namespace detail

// "conv" -> "conv0", then "conv1", ...
KILN_DECL std::string next(std::string_view hint);

// Starts every counter again from 0.
KILN_DECL void reset();

}  // namespace kiln::naming

#if KILN_HEADER_ONLY
#include "impl/naming.ipp"
#endif
