// kiln/errors.hpp: the exception types a user can catch, and the replaceable warning handler.
// shape_error (shape.hpp) and device_error (device.hpp) are re-exported from here.
#pragma once

#include <functional>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config.hpp"
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
KILN_DECL warning_state& warnings();
}  // namespace detail

// Installs h and returns the previous handler. The default writes "kiln warning: <text>" to std::clog.
KILN_DECL warning_handler set_warning_handler(warning_handler h);

// Passes msg to the current handler.
KILN_DECL void warn(std::string_view msg);

}  // namespace kiln

#if KILN_HEADER_ONLY
#include "impl/errors.ipp"
#endif
