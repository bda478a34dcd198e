// Tensors: storage, factories, views, copies between devices. Every case runs for every device tag.
#include "kiln_test.hpp"

#include <cstdint>

using namespace kiln;

TEST_CASE_TEMPLATE("factories fill on the requested context", D, KILN_TEST_DEVICES) {
    auto z = zeros<float>(shape(2, 3), D(0));
    auto o = ones<double>(shape(c<1>, c<8>, c<4>, c<4>), D(0));
    auto f = full<float>(shape(5), 2.5f, D(0));
    static_assert(std::is_same_v<decltype(o), Tensor<double, Shape<1, 8, 4, 4>, D>>);
    CHECK(z.to_vector() == std::vector<float>(6, 0.0f));
    CHECK(o.to_vector() == std::vector<double>(128, 1.0));
    CHECK(f.to_vector() == std::vector<float>(5, 2.5f));
    CHECK(to_string(o.context()) == std::string(D::type_name) + "(0)");
    CHECK(o.size() == 128);
    CHECK(o.rank() == 4);
}

TEST_CASE_TEMPLATE("arange matches numpy's element count and values", D, KILN_TEST_DEVICES) {
    CHECK(arange<float>(5, D(0)).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
    CHECK(arange<double>(1.0, 2.0, 0.25, D(0)).to_vector() == std::vector<double>{1.0, 1.25, 1.5, 1.75});
    CHECK(arange<float>(3.0, 1.0, 1.0, D(0)).size() == 0);
    CHECK(arange<float>(0.0, 1.0, 0.3, D(0)).size() == 4);
    CHECK_THROWS_AS(arange<float>(0.0, 1.0, 0.0, D(0)), std::invalid_argument);
}

TEST_CASE_TEMPLATE("from_values checks the count", D, KILN_TEST_DEVICES) {
    auto t = from_values<float>(shape(2, 2), {1, 2, 3, 4}, D(0));
    CHECK(t.to_vector() == std::vector<float>{1, 2, 3, 4});
    CHECK(kiln_test::error_text<shape_error>([] { (void)from_values<float>(shape(2, 2), {1, 2, 3}, D(0)); }) ==
          "kiln: 3 values do not fill shape (2, 2)");
}

TEST_CASE("cpu storage is aligned for the SIMD width") {
    for (int k = 0; k < 8; ++k) {
        auto t = ones<float>(shape(std::size_t(3 + k)));
        CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % simd::alignment == 0);
    }
}

TEST_CASE("element access is bounds-checked and names the index and shape") {
    auto flat = arange<float>(12);
    auto t = flat.reshape(shape(3, 4));
    CHECK(t.at(2, 1) == 9.0f);
    CHECK(kiln_test::error_text<std::out_of_range>([&] { (void)t.at(3, 0); }) ==
          "kiln: index (3, 0) is out of range for shape (3, 4)");
}

TEST_CASE_TEMPLATE("views: batch index, slice, reshape write through", D, KILN_TEST_DEVICES) {
    auto t = arange<float>(24, D(0));
    auto m = t.reshape(shape(c<2>, c<3>, c<4>));
    static_assert(std::is_same_v<decltype(m), TensorView<float, Shape<2, 3, 4>, D>>);
    auto row = m[1];
    static_assert(std::is_same_v<decltype(row), TensorView<float, Shape<3, 4>, D>>);
    CHECK(row.to_vector().front() == 12.0f);
    CHECK(row.to_vector().back() == 23.0f);
    row = row * 0.0f;  // writes through the view
    auto v = t.to_vector();
    CHECK(v[11] == 11.0f);
    CHECK(v[12] == 0.0f);
    CHECK(v[23] == 0.0f);
    auto s = t.slice(2, 5);
    CHECK(s.shape().str() == "(3,)");
    CHECK(s.to_vector() == std::vector<float>{2, 3, 4});
    CHECK_THROWS_AS(t.slice(5, 2), std::out_of_range);
    CHECK_THROWS_AS(m[2], std::out_of_range);
    CHECK(kiln_test::error_text<shape_error>([&] { (void)t.reshape(shape(5, 5)); }) ==
          "kiln: cannot reshape (24,) to (5, 5): sizes differ (24 vs 25)");
}

TEST_CASE_TEMPLATE("copies are deep and explicit between devices", D, KILN_TEST_DEVICES) {
    auto a = arange<double>(10, D(0));
    auto b = a;  // deep copy
    b.fill(7.0);
    CHECK(a.to_vector()[3] == 3.0);
    auto h = a.to(cpu(0));
    static_assert(std::is_same_v<decltype(h), Tensor<double, Shape<dyn>, cpu>>);
    CHECK(h.to_vector() == a.to_vector());
#if KILN_HAS_GPU_BACKEND
    auto g = a.to(gpu(0));
    static_assert(std::is_same_v<decltype(g), Tensor<double, Shape<dyn>, gpu>>);
    CHECK(g.to_vector() == a.to_vector());
    CHECK(to_string(g.context()) == "gpu(0)");
    auto back = g.to(D(0));
    CHECK(back.to_vector() == a.to_vector());
#endif
}

#if KILN_HAS_GPU_BACKEND && !defined(KILN_GPU_BACKEND_CUDA)
TEST_CASE("the host Thrust backends provide exactly one device, gpu(0)") {
    CHECK(kiln_test::error_text<device_error>([] { (void)zeros<float>(shape(2), gpu(1)); }) ==
          std::string("kiln: gpu(1) does not exist: the ") + gpu_detail::backend_name() +
              " gpu backend provides one device, gpu(0)");
}
#endif

TEST_CASE("contexts print as Gluon's") {
    CHECK(to_string(cpu(0)) == "cpu(0)");
    CHECK(to_string(gpu(1)) == "gpu(1)");
    CHECK(cpu(0) == cpu());
    CHECK_FALSE(gpu(0) == gpu(1));
}
