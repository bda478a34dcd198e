// kiln::detail::format_numpy against numpy's str(arr).
// The goldens come from real numpy: see tests/golden/gen_print_goldens.py.
#include <doctest/doctest.h>

#include <kiln/detail/numpy_format.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "golden/print_goldens.inc"

namespace {

template <class T, std::size_t N>
void check_goldens(const kiln_print_goldens::Golden<T> (&cases)[N]) {
    for (const auto& g : cases) {
        INFO("golden: ", g.name);
        CHECK(kiln::detail::format_numpy(g.data, g.shape, g.rank) == std::string(g.expected));
    }
}

template <class T>
std::string fmt(const std::vector<T>& data, const std::vector<std::size_t>& shape) {
    return kiln::detail::format_numpy(data.data(), shape.data(), shape.size());
}

}  // namespace

TEST_CASE("format_numpy matches numpy str() for float32 goldens") {
    check_goldens(kiln_print_goldens::float32_cases);
}

TEST_CASE("format_numpy matches numpy str() for float64 goldens") {
    check_goldens(kiln_print_goldens::float64_cases);
}

// A few hand-written cases (also numpy output) so the basics read without the generated table.
TEST_CASE("format_numpy basics") {
    CHECK(fmt<float>({1, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 3, 3}) ==
          "[[[[1. 1. 1.]\n   [1. 1. 1.]\n   [1. 1. 1.]]]]");
    CHECK(fmt<float>({0.41332f, 0.05636501f, -0.08815584f}, {1, 3}) ==
          "[[ 0.41332     0.05636501 -0.08815584]]");
    CHECK(fmt<double>({1e-5, 0.5}, {2}) == "[1.e-05 5.e-01]");
    CHECK(fmt<float>({0.1f}, {1}) == "[0.1]");
    CHECK(fmt<float>({1.0f / 3.0f}, {1}) == "[0.33333334]");
    CHECK(fmt<double>({1.0 / 3.0}, {1}) == "[0.33333333]");
    CHECK(fmt<double>({0.123456789}, {1}) == "[0.12345679]");
    CHECK(fmt<double>({-0.0, 1.0}, {2}) == "[-0.  1.]");
    CHECK(fmt<double>({1.5}, {}) == "1.5");
    CHECK(fmt<float>({}, {2, 0}) == "[]");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(fmt<double>({nan, inf, -inf}, {3}) == "[ nan  inf -inf]");
}

TEST_CASE("format_numpy follows numpy 1.x where numpy 2 changed") {
    // numpy 1.x compares the smallest magnitude with 1e-4 in double: float32(1e-4) < 1e-4.
    // (numpy 2 compares in float32 and prints "[0.0001 0.0002]".)
    CHECK(fmt<float>({1e-4f, 2e-4f}, {2}) == "[1.e-04 2.e-04]");
    // numpy >= 2.3 uses a 1e6 cutoff for float32 ("[1.234567e+06 1.500000e+06]").
    CHECK(fmt<float>({1234567.0f, 1500000.0f}, {2}) == "[1234567. 1500000.]");
}

TEST_CASE("format_numpy summarises only above 1000 elements") {
    std::vector<float> v(2000);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
    CHECK(fmt(v, {2000}) == "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]");
    v.resize(1000);
    const std::string full = fmt(v, {1000});
    CHECK(full.find("...") == std::string::npos);
    CHECK(full.substr(0, 12) == "[  0.   1.  ");
}
