// kiln/init.hpp: initializers as policy types (Gluon's mxnet.init).
//
// An initializer is any copyable type with
//     template <class T, class S, class D> void operator()(const kiln::init::desc&, kiln::TensorView<T, S, D>) const;
// that fills the view. desc carries the parameter's name and its random key, so random initializers
// draw from the counter-based generator: element i depends only on (global seed, name, i).
// When S is fully static (every extent known at compile time) the fans, scales and rank checks
// are compile-time; otherwise they happen at run time with Gluon's error texts.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "errors.hpp"
#include "random.hpp"
#include "tensor.hpp"

namespace kiln::init {

// "No initializer of its own" (Gluon's None): the block-level default applies.
struct none_t {};
inline constexpr none_t none{};

// What an initializer knows about the parameter it fills.
struct desc {
    std::string_view name;
    random::key key;
};

inline desc make_desc(std::string_view name) { return desc{name, random::key_for(name)}; }

template <class I>
concept Initializer = std::copy_constructible<I> &&
    requires(const I& i, const desc& d, TensorView<float, dynamic_shape<2>, cpu> v) { i(d, v); };

namespace detail {
// sqrt usable in constant expressions. The same function runs at compile time and at run time,
// so a static-shape scale and a runtime-shape scale are the same double, bit for bit.
constexpr double csqrt(double x) {
    if (!(x > 0)) return x == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
    double r = x >= 1 ? x : 1.0;
    for (int i = 0; i < 200; ++i) {
        const double n = 0.5 * (r + x / r);
        if (n == r) break;
        r = n;
    }
    return r;
}

template <class T, class S, class D>
void fill_from_host(TensorView<T, S, D> out, const std::vector<double>& v) {
    std::vector<T> t(v.begin(), v.end());
    kiln::detail::transfer<D, cpu>(out.data(), t.data(), t.size());
}
}  // namespace detail

// ---------------------------------------------------------------------------------------- simple
struct Zero {
    template <class T, class S, class D>
    void operator()(const desc&, TensorView<T, S, D> out) const { out.fill(T(0)); }
};

struct One {
    template <class T, class S, class D>
    void operator()(const desc&, TensorView<T, S, D> out) const { out.fill(T(1)); }
};

// A scalar, or a tensor of exactly the parameter's shape (copied, on any device).
class Constant {
public:
    constexpr explicit Constant(double value) : value_(value) {}
    template <class U, class S, class D>
    explicit Constant(const Tensor<U, S, D>& t) : tensor_(std::make_shared<host_copy>()) {
        auto v = t.to_vector();
        tensor_->values.assign(v.begin(), v.end());
        const auto d = t.shape().dims();
        tensor_->dims.assign(d.begin(), d.end());
    }

    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        if (!tensor_) {
            out.fill(static_cast<T>(value_));
            return;
        }
        const auto od = out.shape().dims();
        if (tensor_->dims.size() != od.size() || !std::equal(od.begin(), od.end(), tensor_->dims.begin()))
            throw shape_error("kiln: Constant initializer value of shape " +
                              kiln::detail::extents_text(tensor_->dims.data(), tensor_->dims.size()) +
                              " cannot fill parameter " + std::string(d.name) + " of shape " + out.shape().str());
        detail::fill_from_host(out, tensor_->values);
    }

private:
    struct host_copy {
        std::vector<double> values;
        std::vector<std::size_t> dims;
    };
    double value_ = 0;
    std::shared_ptr<host_copy> tensor_;
};

// ---------------------------------------------------------------------------------------- random
// U[-scale, scale)
struct Uniform {
    double scale = 0.07;
    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        out = random::uniform<T>(out.shape(), d.key, static_cast<T>(-scale), static_cast<T>(scale), out.context());
    }
};

// N(0, sigma)
struct Normal {
    double sigma = 0.01;
    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        out = random::normal<T>(out.shape(), d.key, T(0), static_cast<T>(sigma), out.context());
    }
};

enum class rnd_type { uniform, gaussian };
enum class factor_type { avg, in, out };

inline const char* to_string(rnd_type r) { return r == rnd_type::uniform ? "uniform" : "gaussian"; }
inline const char* to_string(factor_type f) {
    return f == factor_type::avg ? "avg" : f == factor_type::in ? "in" : "out";
}

// Gluon's fans: dims 0 and 1, times the product of the rest.
template <ShapeType S>
constexpr double fan_in(const S& s) {
    double hw = 1;
    for (std::size_t i = 2; i < S::rank(); ++i) hw *= static_cast<double>(s[i]);
    return static_cast<double>(s[1]) * hw;
}
template <ShapeType S>
constexpr double fan_out(const S& s) {
    double hw = 1;
    for (std::size_t i = 2; i < S::rank(); ++i) hw *= static_cast<double>(s[i]);
    return static_cast<double>(s[0]) * hw;
}

// Xavier (Glorot) initialization: scale = sqrt(magnitude / factor),
// factor = (fan_in + fan_out) / 2 | fan_in | fan_out; U(-scale, scale) or N(0, scale).
struct Xavier {
    rnd_type rnd = rnd_type::uniform;
    factor_type factor = factor_type::avg;
    double magnitude = 3;

    // The scale for shape s; a constant expression when s is static (and *this is constexpr).
    template <ShapeType S>
    constexpr double scale(const S& s) const {
        static_assert(S::rank() >= 2 || !S::is_static,
                      "kiln: Xavier needs a shape of rank >= 2 (it computes fans from dims 0 and 1); "
                      "use Zero, Uniform or Normal for vectors such as biases");
        if constexpr (S::rank() < 2) {
            return 0.0;  // reached only through check() at run time, which throws first
        } else {
            const double fi = fan_in(s), fo = fan_out(s);
            const double f = factor == factor_type::avg ? (fi + fo) / 2.0 : factor == factor_type::in ? fi : fo;
            return detail::csqrt(magnitude / f);
        }
    }

    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        if constexpr (S::rank() < 2) {
            static_assert(!S::is_static,
                          "kiln: Xavier needs a shape of rank >= 2 (it computes fans from dims 0 and 1); "
                          "use Zero, Uniform or Normal for vectors such as biases");
            throw init_error("Xavier initializer cannot be applied to vector " + std::string(d.name) +
                             ". It requires at least 2D.");
        } else {
            const double s = scale(out.shape());
            if (rnd == rnd_type::uniform)
                out = random::uniform<T>(out.shape(), d.key, static_cast<T>(-s), static_cast<T>(s), out.context());
            else
                out = random::normal<T>(out.shape(), d.key, T(0), static_cast<T>(s), out.context());
        }
    }
};

// He/Kaiming for PReLU: Xavier(gaussian, factor_type, 2 / (1 + slope^2)).
struct MSRAPrelu {
    factor_type factor = factor_type::avg;
    double slope = 0.25;

    constexpr Xavier as_xavier() const { return Xavier{rnd_type::gaussian, factor, 2.0 / (1.0 + slope * slope)}; }
    template <ShapeType S>
    constexpr double scale(const S& s) const { return as_xavier().scale(s); }

    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        if constexpr (S::rank() < 2) {
            static_assert(!S::is_static,
                          "kiln: MSRAPrelu needs a shape of rank >= 2 (it computes fans from dims 0 and 1); "
                          "use Zero, Uniform or Normal for vectors such as biases");
            // Gluon's MSRAPrelu is a Xavier: its error names Xavier.
            throw init_error("Xavier initializer cannot be applied to vector " + std::string(d.name) +
                             ". It requires at least 2D.");
        } else {
            as_xavier()(d, out);
        }
    }
};

// scale * an orthonormal (nout x nin) matrix, nout = dim 0, nin = product of the rest: orthonormal
// columns when nout >= nin, orthonormal rows otherwise (Gluon takes u or v of an SVD of a random
// matrix; kiln orthonormalizes the same kind of random matrix with Gram-Schmidt, see gluon-parity.md).
// Computed in double on the host from the counter-based stream, then copied to the device.
struct Orthogonal {
    double scale = 1.414;
    rnd_type rand_type = rnd_type::uniform;

    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        const auto sh = out.shape();
        const std::size_t nout = S::rank() ? sh[0] : 1;
        const std::size_t nin = S::rank() && nout ? sh.size() / nout : 1;
        const std::size_t n = nout * nin;
        Tensor<double, Shape<dyn>, cpu> tmp(shape(n));
        if (rand_type == rnd_type::uniform)
            tmp = random::uniform<double>(shape(n), d.key, -1.0, 1.0, cpu(0));
        else
            tmp = random::normal<double>(shape(n), d.key, 0.0, 1.0, cpu(0));
        std::vector<double> m = tmp.to_vector();
        // Orthonormalize the k vectors of length len: columns of m when tall, rows when wide.
        const bool tall = nout >= nin;
        const std::size_t k = tall ? nin : nout, len = tall ? nout : nin;
        auto at = [&](std::size_t vec, std::size_t j) -> double& { return tall ? m[j * nin + vec] : m[vec * nin + j]; };
        for (std::size_t a = 0; a < k; ++a) {
            for (int pass = 0; pass < 2; ++pass) {  // twice is enough (Kahan-Parlett)
                for (std::size_t b = 0; b < a; ++b) {
                    double dot = 0;
                    for (std::size_t j = 0; j < len; ++j) dot += at(a, j) * at(b, j);
                    for (std::size_t j = 0; j < len; ++j) at(a, j) -= dot * at(b, j);
                }
            }
            double norm = 0;
            for (std::size_t j = 0; j < len; ++j) norm += at(a, j) * at(a, j);
            norm = std::sqrt(norm);
            if (norm == 0) throw init_error("kiln: Orthogonal initializer drew a degenerate matrix for " + std::string(d.name));
            for (std::size_t j = 0; j < len; ++j) at(a, j) /= norm;
        }
        for (auto& x : m) x *= scale;
        detail::fill_from_host(out, m);
    }
};

// Bilinear upsampling kernel over the last two axes (rank 4: (out, in, H, W)).
struct Bilinear {
    template <class T, class S, class D>
    void operator()(const desc& d, TensorView<T, S, D> out) const {
        if constexpr (S::rank() != 4) {
            static_assert(!S::is_static, "kiln: Bilinear fills a rank-4 (out, in, H, W) upsampling weight");
            throw init_error("kiln: Bilinear initializer needs a 4-D weight, " + std::string(d.name) + " has shape " +
                             out.shape().str());
        } else {
            const auto sh = out.shape();
            const std::size_t H = sh[2], W = sh[3];
            const double f = std::ceil(static_cast<double>(W) / 2.0);
            const double c = (2 * f - 1 - std::fmod(f, 2.0)) / (2.0 * f);
            std::vector<double> w(sh.size());
            for (std::size_t i = 0; i < w.size(); ++i) {
                const double x = static_cast<double>(i % W), y = static_cast<double>((i / W) % H);
                // Gluon stores into a float32 array: round through float, then to T
                w[i] = static_cast<float>((1 - std::fabs(x / f - c)) * (1 - std::fabs(y / f - c)));
            }
            detail::fill_from_host(out, w);
        }
    }
};

// LSTM bias: zeros, then forget_bias for the forget gate's quarter [h, 2h) along axis 0.
struct LSTMBias {
    double forget_bias = 1.0;
    template <class T, class S, class D>
    void operator()(const desc&, TensorView<T, S, D> out) const {
        static_assert(S::rank() >= 1, "kiln: LSTMBias fills a tensor of rank >= 1");
        out.fill(T(0));
        const std::size_t h = out.shape()[0] / 4;
        if (h) out.slice(h, 2 * h).fill(static_cast<T>(forget_bias));
    }
};

// init::Mixed (an initializer chosen by the parameter's name) and its rule are defined in
// <kiln/init_mixed.hpp>, which kiln.hpp does not include (it needs <regex>). Using them without that
// include stops at these declarations: "incomplete type" / "declared but never defined".
template <class I>
struct rule;
template <Initializer... I>
class Mixed;

}  // namespace kiln::init
