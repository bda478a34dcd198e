#include "kiln_test.hpp"

#include <type_traits>

using namespace kiln;

TEST_CASE("static extents take no storage, runtime extents one size_t each") {
    static_assert(std::is_empty_v<Shape<1, 8, 3, 3>>);
    static_assert(sizeof(Shape<1, dyn, 3, 3>) == sizeof(std::size_t));
    static_assert(sizeof(Shape<dyn, dyn, 3, 3>) == 2 * sizeof(std::size_t));
    static_assert(Shape<1, 8, 3, 3>::is_static && !Shape<1, dyn, 3, 3>::is_static);
    static_assert(Shape<1, 8, 3, 3>::static_size() == 72);
    CHECK(Shape<1, 8, 3, 3>{}.size() == 72);
}

TEST_CASE("kiln::shape records which extents are static") {
    auto s = shape(1, c<8>, deferred, 3);
    static_assert(std::is_same_v<decltype(s), Shape<dyn, 8, dyn, dyn>>);
    CHECK(s[0] == 1);
    CHECK(s[1] == 8);
    CHECK(s[2] == 0);
    CHECK(s[3] == 3);
    CHECK(s.str() == "(1, 8, 0, 3)");
    CHECK_FALSE(s.known());
    static_assert(std::is_same_v<decltype(s.extent<1>()), c_t<8>>);
    static_assert(std::is_same_v<decltype(s.extent<0>()), std::size_t>);
    CHECK(shape(3).str() == "(3,)");
    CHECK(shape().str() == "()");
    CHECK(shape(1, 1, 7, 7).x_str() == "1x1x7x7");
    CHECK(shape(c<2>, c<3>).known());
}

TEST_CASE("negative runtime extents are rejected with the value") {
    CHECK(kiln_test::error_text<shape_error>([] { (void)shape(2, -3); }) ==
          "kiln: a shape extent must be non-negative, got -3");
}

TEST_CASE("shape algebra is constexpr and stays static") {
    constexpr auto s = shape(c<1>, c<8>, c<224>, c<224>);
    static_assert(s.size() == 1 * 8 * 224 * 224);
    static_assert(s.rank() == 4);
    constexpr auto h = conv_out_extent(s.extent<2>(), c<3>);
    static_assert(std::is_same_v<std::remove_const_t<decltype(h)>, c_t<222>>);
    // stride, padding, dilation
    static_assert(conv_out_extent(c<224>, c<7>, c<2>, c<3>).value == 112);
    static_assert(conv_out_extent(c<56>, c<3>, c<1>, c<1>).value == 56);
    static_assert(conv_out_extent(c<10>, c<3>, c<1>, c<0>, c<2>).value == 6);
    static_assert(pool_out_extent(c<8>, c<2>, c<2>).value == 4);
    // runtime counterparts agree and return size_t
    auto r = conv_out_extent(std::size_t(224), c<7>, c<2>, c<3>);
    static_assert(std::is_same_v<decltype(r), std::size_t>);
    CHECK(r == 112);
    CHECK(conv_out_extent(std::size_t(9), std::size_t(3)) == 7);
    CHECK(conv_out_extent(std::size_t(0), c<3>) == 0);  // deferred stays deferred
    CHECK(kiln_test::error_text<shape_error>([] { (void)conv_out_extent(std::size_t(2), c<3>); }) ==
          "kiln: kernel size exceeds input: input extent 2 with padding 0, dilated kernel extent 3");
    CHECK(kiln_test::error_text<shape_error>([] { (void)conv_out_extent(std::size_t(5), c<3>, std::size_t(0)); }) ==
          "kiln: kernel, stride and dilation must be at least 1");
}

TEST_CASE("equality and merging of shapes") {
    constexpr auto a = shape(c<1>, c<8>, c<3>, c<3>);
    static_assert(a == shape(c<1>, c<8>, c<3>, c<3>));
    static_assert(!(a == shape(c<1>, c<3>, c<3>, c<3>)));
    static_assert(!(a == shape(c<1>, c<8>, c<3>)));
    auto m = check_same_shape(a, shape(1, 8, 3, 3));
    static_assert(std::is_same_v<decltype(m), Shape<1, 8, 3, 3>>);
    auto m2 = check_same_shape(shape(1, c<8>, 3, 3), shape(c<1>, 8, 3, c<3>));
    static_assert(std::is_same_v<decltype(m2), Shape<1, 8, dyn, 3>>);
    CHECK(m2[2] == 3);
    CHECK(kiln_test::error_text<shape_error>([&] { (void)check_same_shape(a, shape(1, 3, 3, 3)); }) ==
          "kiln: shapes do not match: (1, 8, 3, 3) vs (1, 3, 3, 3)");
}

TEST_CASE("broadcasting follows numpy") {
    constexpr auto b = broadcast(shape(c<8>, c<1>, c<3>), shape(c<5>, c<1>));
    static_assert(std::is_same_v<std::remove_const_t<decltype(b)>, Shape<8, 5, 3>>);
    auto r = broadcast(shape(4, 1), shape(3));
    CHECK(r.str() == "(4, 3)");
    CHECK(broadcast(shape(), shape(2, 2)).str() == "(2, 2)");
    CHECK(kiln_test::error_text<shape_error>([] { (void)broadcast(shape(4, 2), shape(3)); }) ==
          "kiln: shapes cannot be broadcast together: (4, 2) vs (3,)");
}

TEST_CASE("filling a deferred extent follows Gluon's rule") {
    auto w = shape(c<1>, deferred, c<3>, c<3>);
    CHECK(w.str() == "(1, 0, 3, 3)");
    fill_deferred(w, shape(1, 8, 3, 3));
    CHECK(w.str() == "(1, 8, 3, 3)");
    CHECK(w.known());
    // a known extent never changes; the target is left as it was
    CHECK(kiln_test::error_text<shape_error>([&] { fill_deferred(w, shape(1, 3, 3, 3)); }) ==
          "Expected shape (1, 3, 3, 3) is incompatible with given shape (1, 8, 3, 3).");
    CHECK(w.str() == "(1, 8, 3, 3)");
    // a static extent never changes either
    auto w2 = shape(c<1>, deferred, c<3>, c<3>);
    CHECK(kiln_test::error_text<shape_error>([&] { fill_deferred(w2, shape(2, 8, 3, 3)); }) ==
          "Expected shape (2, 8, 3, 3) is incompatible with given shape (1, 0, 3, 3).");
    CHECK(w2.str() == "(1, 0, 3, 3)");
    // the same values are accepted (idempotent)
    fill_deferred(w, shape(1, 8, 3, 3));
    CHECK(w.str() == "(1, 8, 3, 3)");
}

TEST_CASE("shape_from checks static extents against runtime values") {
    const std::size_t e[] = {1, 8, 3, 3};
    auto s = shape_from<Shape<1, dyn, 3, 3>>(e, 4);
    CHECK(s[1] == 8);
    const std::size_t bad[] = {2, 8, 3, 3};
    CHECK(kiln_test::error_text<shape_error>([&] { (void)shape_from<Shape<1, dyn, 3, 3>>(bad, 4); }) ==
          "kiln: shape (2, 8, 3, 3) does not fit Shape<1, dyn, 3, 3>");
}
