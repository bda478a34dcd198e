// Shared test header: doctest + kiln + the list of device tags every device-generic test runs on.
#pragma once

#include <doctest/doctest.h>

#include <kiln/kiln.hpp>

#include <string>
#include <vector>

#if KILN_HAS_GPU_BACKEND
#define KILN_TEST_DEVICES kiln::cpu, kiln::gpu
#else
#define KILN_TEST_DEVICES kiln::cpu
#endif

namespace kiln_test {
// Message of the exception thrown by f (empty if none).
template <class E, class F>
std::string error_text(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "<no exception>";
}
}  // namespace kiln_test
