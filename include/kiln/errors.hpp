// kiln/errors.hpp: the exception types a user can catch, and the replaceable warning handler.
// shape_error (shape.hpp) and device_error (device.hpp) are re-exported from here.
#pragma once

#include <functional>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include "device.hpp"
#include "shape.hpp"

namespace kiln {

// An initializer that cannot be applied (Gluon's ValueError from initializer.py).
class init_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// A parameter's data was asked for before its deferred initialization happened
// (Gluon's DeferredInitializationError).
class deferred_init_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A parameter was used before initialize() (Gluon's RuntimeError "... has not been initialized").
class uninitialized_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Warnings (e.g. re-initializing without force_reinit) go through one replaceable handler.
using warning_handler = std::function<void(std::string_view)>;

namespace detail {
struct warning_state {
    std::mutex m;
    warning_handler h = [](std::string_view msg) { std::clog << "kiln warning: " << msg << '\n'; };
};
inline warning_state& warnings() {
    static warning_state s;
    return s;
}
}  // namespace detail

// Installs h and returns the previous handler. The default writes "kiln warning: <text>" to std::clog.
inline warning_handler set_warning_handler(warning_handler h) {
    auto& s = detail::warnings();
    std::lock_guard<std::mutex> lock(s.m);
    auto old = std::move(s.h);
    s.h = std::move(h);
    return old;
}

inline void warn(std::string_view msg) {
    auto& s = detail::warnings();
    warning_handler h;
    {
        std::lock_guard<std::mutex> lock(s.m);
        h = s.h;
    }
    if (h) h(msg);
}

}  // namespace kiln
