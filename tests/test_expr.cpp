// Expression templates and reductions. Every case runs for every device tag.
#include "kiln_test.hpp"

#include <cmath>
#include <limits>

using namespace kiln;

namespace expr_test {
// Values with a SIMD body and a scalar tail for every width up to 16 floats.
constexpr std::size_t N = 16 * 3 + 7;

template <class T>
std::vector<T> ramp(std::size_t n, double scale, double offset) {
    std::vector<T> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<T>(std::sin(0.37 * double(i)) * scale + offset);
    return v;
}
}  // namespace expr_test
using namespace expr_test;

TEST_CASE_TEMPLATE("arithmetic with tensors and scalars matches a scalar reference", D, KILN_TEST_DEVICES) {
    auto xv = ramp<float>(N, 2.0, 0.1), yv = ramp<float>(N, 1.5, 3.0);
    auto x = from_values<float>(shape(N), xv, D(0));
    auto y = from_values<float>(shape(N), yv, D(0));
    Tensor<float, Shape<dyn>, D> r = (x + y) * 2.0f - x / y + 1.0f - (-y) * 0.5f + 3.0f / y;
    auto out = r.to_vector();
    for (std::size_t i = 0; i < N; ++i) {
        float ref = (xv[i] + yv[i]) * 2.0f - xv[i] / yv[i] + 1.0f - (-yv[i]) * 0.5f + 3.0f / yv[i];
        REQUIRE(out[i] == doctest::Approx(ref).epsilon(1e-6));
    }
}

TEST_CASE_TEMPLATE("unary functions on SIMD body and tail", D, KILN_TEST_DEVICES) {
    auto xv = ramp<double>(N, 3.0, 0.0);
    auto x = from_values<double>(shape(N), xv, D(0));
    auto pos = eval(abs(x) + 0.5);
    auto check = [&](auto expr, auto f) {
        auto got = eval(expr).to_vector();
        for (std::size_t i = 0; i < N; ++i) REQUIRE(got[i] == doctest::Approx(f(xv[i])).epsilon(1e-12));
    };
    check(abs(x), [](double v) { return std::fabs(v); });
    check(exp(x), [](double v) { return std::exp(v); });
    check(log(pos), [](double v) { return std::log(std::fabs(v) + 0.5); });
    check(sqrt(pos), [](double v) { return std::sqrt(std::fabs(v) + 0.5); });
    check(relu(x), [](double v) { return v > 0 ? v : 0.0; });
    check(sigmoid(x), [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    check(tanh(x), [](double v) { return std::tanh(v); });
    check(max(x, 1.0), [](double v) { return v > 1.0 ? v : 1.0; });
    check(min(x, -1.0), [](double v) { return v < -1.0 ? v : -1.0; });
    check(-x, [](double v) { return -v; });
}

TEST_CASE_TEMPLATE("log of subnormal, zero and negative numbers matches std::log", T, float, double) {
    // xsimd's double log alone gives -746.5 for every subnormal input; kiln rescales those first
    using lim = std::numeric_limits<T>;
    const std::vector<T> specials = {lim::denorm_min(),      lim::denorm_min() * T(3), lim::min() / T(2),
                                     lim::min() / T(1024),   lim::min(),               lim::min() * T(1.5),
                                     T(0),                   -T(0),                    T(-1),
                                     lim::infinity(),        T(1),                     T(0.75)};
    std::vector<T> v(N);  // a SIMD body and a scalar tail, the specials in both
    for (std::size_t i = 0; i < N; ++i) v[i] = specials[i % specials.size()];
    const auto got = eval(log(from_values<T>(shape(N), v, cpu(0)))).to_vector();
    for (std::size_t i = 0; i < N; ++i) {
        CAPTURE(i);
        CAPTURE(v[i]);
        const T want = std::log(v[i]);
        if (std::isnan(want)) {
            CHECK(std::isnan(got[i]));
        } else if (std::isinf(want)) {
            CHECK(got[i] == want);
        } else {
            CHECK(got[i] == doctest::Approx(want).epsilon(4 * lim::epsilon()));
        }
    }
}

TEST_CASE_TEMPLATE("expressions are lazy until assigned", D, KILN_TEST_DEVICES) {
    auto x = ones<float>(shape(c<4>), D(0));
    auto e = x * 2.0f + 1.0f;  // nothing computed yet
    x.fill(5.0f);
    Tensor<float, Shape<4>, D> r = e;  // evaluated now, with the current x
    CHECK(r.to_vector() == std::vector<float>(4, 11.0f));
}

TEST_CASE_TEMPLATE("assignment into an aliased operand is correct", D, KILN_TEST_DEVICES) {
    auto a = arange<float>(N, D(0));
    a = a * a + a;  // same memory, element for element
    auto v = a.to_vector();
    for (std::size_t i = 0; i < N; ++i) REQUIRE(v[i] == float(i * i + i));

    // shifted, overlapping views of one buffer, both directions
    auto t = arange<float>(40, D(0));
    auto lo = t.slice(0, 30), hi = t.slice(10, 40);
    hi = lo + 100.0f;
    auto w = t.to_vector();
    for (std::size_t i = 0; i < 10; ++i) REQUIRE(w[i] == float(i));
    for (std::size_t i = 10; i < 40; ++i) REQUIRE(w[i] == float(i - 10) + 100.0f);
    auto u = arange<float>(40, D(0));
    auto ulo = u.slice(0, 30), uhi = u.slice(10, 40);
    ulo = uhi * 2.0f;
    auto uv = u.to_vector();
    for (std::size_t i = 0; i < 30; ++i) REQUIRE(uv[i] == float(i + 10) * 2.0f);
}

TEST_CASE_TEMPLATE("runtime shape mismatch throws before anything is written", D, KILN_TEST_DEVICES) {
    auto a = ones<float>(shape(1, 8, 3, 3), D(0));
    auto b = ones<float>(shape(1, 3, 3, 3), D(0));
    CHECK(kiln_test::error_text<shape_error>([&] { (void)(a + b); }) ==
          "kiln: shapes do not match: (1, 8, 3, 3) vs (1, 3, 3, 3)");
    auto dst = full<float>(shape(1, 8, 3, 3), 4.0f, D(0));
    CHECK(kiln_test::error_text<shape_error>([&] { dst = b * 2.0f; }) ==
          "kiln: shapes do not match: (1, 8, 3, 3) vs (1, 3, 3, 3)");
    CHECK(dst.to_vector() == std::vector<float>(72, 4.0f));
}

TEST_CASE_TEMPLATE("static and runtime shapes mix; the result keeps what is static", D, KILN_TEST_DEVICES) {
    auto a = ones<float>(shape(c<2>, c<3>), D(0));
    auto b = ones<float>(shape(2, 3), D(0));
    auto e = a + b;
    static_assert(std::is_same_v<typename decltype(e)::shape_type, Shape<2, 3>>);
    CHECK(sum(e) == 12.0f);
}

TEST_CASE_TEMPLATE("cast converts element types explicitly", D, KILN_TEST_DEVICES) {
    auto f = from_values<float>(shape(3), {0.5f, 1.5f, -2.0f}, D(0));
    Tensor<double, Shape<dyn>, D> d = cast<double>(f) * 2.0;
    CHECK(d.to_vector() == std::vector<double>{1.0, 3.0, -4.0});
}

TEST_CASE_TEMPLATE("reductions over tensors and fused expressions", D, KILN_TEST_DEVICES) {
    auto xv = ramp<double>(N, 4.0, 0.25);
    auto x = from_values<double>(shape(N), xv, D(0));
    double s = 0, mx = xv[0], mn = xv[0];
    for (double v : xv) {
        s += v;
        mx = v > mx ? v : mx;
        mn = v < mn ? v : mn;
    }
    CHECK(sum(x) == doctest::Approx(s).epsilon(1e-12));
    CHECK(mean(x) == doctest::Approx(s / N).epsilon(1e-12));
    CHECK(max(x) == mx);
    CHECK(min(x) == mn);
    CHECK(sum(x * 2.0 + 1.0) == doctest::Approx(2 * s + N).epsilon(1e-12));
    CHECK(max(-x) == -mn);
    // a large float sum stays accurate enough (blocked accumulation)
    auto big = ones<float>(shape(1 << 20), D(0));
    CHECK(sum(big) == float(1 << 20));
    CHECK(mean(big) == 1.0f);
    auto empty = zeros<float>(shape(0), D(0));
    CHECK(sum(empty) == 0.0f);
    CHECK(kiln_test::error_text<shape_error>([&] { (void)max(empty); }) == "kiln: max of an empty tensor of shape (0,)");
    CHECK(kiln_test::error_text<shape_error>([&] { (void)mean(empty); }) ==
          "kiln: mean of an empty tensor of shape (0,)");
}

TEST_CASE("expressions into 8 MB and more: non-temporal stores, and the unaligned fallback, write every element") {
    // cpu_exec::assign streams aligned destinations of stream_bytes (8 MB) or more with
    // non-temporal stores; an unaligned view of the same size takes plain stores.
    const std::size_t n = kiln::cpu_exec::stream_bytes / sizeof(float) + 13;
    auto x = arange<float>(n);  // integers below 2^22: 2x + 1 is exact in float
    Tensor<float, Shape<dyn>> y = x * 2.0f + 1.0f;
    Tensor<float, Shape<dyn>> buf(shape(n + 1));
    auto shifted = buf.slice(1, n + 1);
    shifted = relu(x - 3.0f);
    const auto yv = y.to_vector(), sv = shifted.to_vector();
    std::size_t wrong_y = 0, wrong_s = 0;
    for (std::size_t i = 0; i < n; ++i) {
        wrong_y += yv[i] != 2.0f * float(i) + 1.0f;
        wrong_s += sv[i] != (i < 3 ? 0.0f : float(i) - 3.0f);
    }
    CHECK(wrong_y == 0);
    CHECK(wrong_s == 0);
    CHECK(yv.back() == 2.0f * float(n - 1) + 1.0f);
}

TEST_CASE_TEMPLATE("tiny sizes below one SIMD batch", D, KILN_TEST_DEVICES) {
    for (std::size_t n = 1; n < 20; ++n) {
        auto x = arange<float>(n, D(0));
        auto r = eval(relu(x - 2.0f));
        auto v = r.to_vector();
        for (std::size_t i = 0; i < n; ++i) REQUIRE(v[i] == (i > 2 ? float(i) - 2.0f : 0.0f));
        CHECK(max(x) == float(n - 1));
        CHECK(min(x) == 0.0f);
    }
}

#if KILN_HAS_GPU_BACKEND
TEST_CASE("gpu and cpu give the same results for the same expression") {
    auto xv = ramp<float>(1000, 2.0, 0.3);
    auto xc = from_values<float>(shape(1000), xv, cpu(0));
    auto xg = xc.to(gpu(0));
    auto rc = eval(sigmoid(xc) * tanh(xc) + sqrt(abs(xc)));
    auto rg = eval(sigmoid(xg) * tanh(xg) + sqrt(abs(xg)));
    auto a = rc.to_vector(), b = rg.to_vector();
    for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(b[i] == doctest::Approx(a[i]).epsilon(1e-6));
}
#endif
