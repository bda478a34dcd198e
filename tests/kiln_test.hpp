// Shared test header: doctest + kiln + the list of device tags every device-generic test runs on.
#pragma once

#include <doctest/doctest.h>

#include <kiln/kiln.hpp>

#include <string>
#include <type_traits>
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

// A compile-time check that two values have the same type: kiln_test::expect_same_type(a, b). (Both
// deduced: nvcc's front end re-emits a type named in the test body in the form it was first written, e.g.
// a Conv2D output's Shape<..., Opt.channels, ...> with Opt a class-type template argument, which the host
// compiler cannot parse.)
template <class A, class B>
void expect_same_type(const A&, const B&) {
    static_assert(std::is_same_v<A, B>, "kiln_test::expect_same_type: the values have different types");
}
}  // namespace kiln_test
