// Tensors print exactly as Gluon prints an NDArray: "\n" + numpy's str() + "\n<NDArray AxB @ctx>".
// Expected texts were produced by numpy 1.26 with Gluon's __repr__ format.
#include "kiln_test.hpp"

#include <sstream>

using namespace kiln;

namespace {
template <class X>
std::string printed(const X& x) {
    std::ostringstream os;
    os << x;
    return os.str();
}
}  // namespace

TEST_CASE_TEMPLATE("ones print as Gluon's NDArray", D, KILN_TEST_DEVICES) {
    auto t = ones<float>(shape(c<1>, c<1>, c<3>, c<3>), D(0));
    std::string expected = R"(
[[[[1. 1. 1.]
   [1. 1. 1.]
   [1. 1. 1.]]]]
<NDArray 1x1x3x3 @cpu(0)>)";
    expected.replace(expected.find("cpu(0)"), 6, to_string(D(0)));
    CHECK(printed(t) == expected);
}

TEST_CASE("arange reshaped, double") {
    auto flat = arange<double>(12);
    CHECK(printed(flat.reshape(shape(3, 4))) == R"(
[[ 0.  1.  2.  3.]
 [ 4.  5.  6.  7.]
 [ 8.  9. 10. 11.]]
<NDArray 3x4 @cpu(0)>)");
}

TEST_CASE_TEMPLATE("a 512x3x3 tensor is summarised on axis 0", D, KILN_TEST_DEVICES) {
    std::vector<float> v(512 * 9);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i % 97) * 0.25f - 12.0f;
    auto t = from_values<float>(shape(c<512>, c<3>, c<3>), v, D(0));
    std::string expected = R"(
[[[-12.   -11.75 -11.5 ]
  [-11.25 -11.   -10.75]
  [-10.5  -10.25 -10.  ]]

 [[ -9.75  -9.5   -9.25]
  [ -9.    -8.75  -8.5 ]
  [ -8.25  -8.    -7.75]]

 [[ -7.5   -7.25  -7.  ]
  [ -6.75  -6.5   -6.25]
  [ -6.    -5.75  -5.5 ]]

 ...

 [[ -6.5   -6.25  -6.  ]
  [ -5.75  -5.5   -5.25]
  [ -5.    -4.75  -4.5 ]]

 [[ -4.25  -4.    -3.75]
  [ -3.5   -3.25  -3.  ]
  [ -2.75  -2.5   -2.25]]

 [[ -2.    -1.75  -1.5 ]
  [ -1.25  -1.    -0.75]
  [ -0.5   -0.25   0.  ]]]
<NDArray 512x3x3 @cpu(0)>)";
    expected.replace(expected.find("cpu(0)"), 6, to_string(D(0)));
    CHECK(printed(t) == expected);
}

TEST_CASE("negative values get a sign column; a 7-column row fits in 75 characters") {
    auto flat = arange<float>(49);
    auto x = flat.reshape(shape(c<1>, c<1>, c<7>, c<7>));
    Tensor<float, Shape<1, 1, 7, 7>> y = (x - 24.0f) * 0.0625f;
    CHECK(printed(y) == R"(
[[[[-1.5    -1.4375 -1.375  -1.3125 -1.25   -1.1875 -1.125 ]
   [-1.0625 -1.     -0.9375 -0.875  -0.8125 -0.75   -0.6875]
   [-0.625  -0.5625 -0.5    -0.4375 -0.375  -0.3125 -0.25  ]
   [-0.1875 -0.125  -0.0625  0.      0.0625  0.125   0.1875]
   [ 0.25    0.3125  0.375   0.4375  0.5     0.5625  0.625 ]
   [ 0.6875  0.75    0.8125  0.875   0.9375  1.      1.0625]
   [ 1.125   1.1875  1.25    1.3125  1.375   1.4375  1.5   ]]]]
<NDArray 1x1x7x7 @cpu(0)>)");
}

TEST_CASE("small and large magnitudes switch to scientific notation") {
    auto t = from_values<float>(shape(2, 2), {1e-5f, 0.5f, 3.0f, -2.0f});
    CHECK(printed(t) == R"(
[[ 1.e-05  5.e-01]
 [ 3.e+00 -2.e+00]]
<NDArray 2x2 @cpu(0)>)");
}

TEST_CASE("a 0-d tensor prints its value and an empty shape") {
    auto t = full<float>(shape(), 2.5f);
    CHECK(printed(t) == R"(
2.5
<NDArray  @cpu(0)>)");
}

TEST_CASE("a view prints with its own shape") {
    auto t = ones<float>(shape(c<2>, c<1>, c<3>, c<3>));
    CHECK(printed(t[1]) == "\n[[[1. 1. 1.]\n  [1. 1. 1.]\n  [1. 1. 1.]]]\n<NDArray 1x3x3 @cpu(0)>");
}
