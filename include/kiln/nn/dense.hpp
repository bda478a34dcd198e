// kiln/nn/dense.hpp: Gluon's nn.Dense: y = x W^T + b with W (units, in_units).
//
//   nn::Dense<nn::dense{.units = 10, .in_units = 20}> fc;    // weight (10, 20)
//   nn::Dense<nn::dense{.units = 256}> lazy;                  // weight (256, 0) until the first forward
//
// flatten = true (Gluon's default) treats an input (N, d1, d2, ...) as (N, d1*d2*...); flatten =
// false applies the layer to the last axis and keeps the leading ones.
#pragma once

#include <array>
#include <ostream>
#include <string>
#include <utility>

#include "dense_kernels.hpp"
#include "layer_common.hpp"
#include "weight_bias_layer.hpp"

namespace kiln::nn {

struct dense {
    std::size_t units = 0;
    bool use_bias = true;
    bool flatten = true;
    std::size_t in_units = 0;  // 0: deferred until the first forward pass
};

template <dense Opt, Element T = float, Device D = cpu>
class Dense : public weight_bias_layer<T, Shape<Opt.units, Opt.in_units ? Opt.in_units : dyn>, Shape<Opt.units>, D,
                                        Opt.use_bias> {
    static_assert(Opt.units > 0, "kiln: Dense needs units > 0");

    using base = weight_bias_layer<T, Shape<Opt.units, Opt.in_units ? Opt.in_units : dyn>, Shape<Opt.units>, D,
                                   Opt.use_bias>;

public:
    using base::bias;
    using base::name;
    using base::weight;
    static constexpr dense options = Opt;
    using weight_shape = Shape<Opt.units, Opt.in_units ? Opt.in_units : dyn>;
    using bias_shape = Shape<Opt.units>;
    using value_type = T;
    using device_type = D;

    template <class WI = init::none_t, class BI = init::Zero>
    explicit Dense(const WI& weight_initializer = {}, const BI& bias_initializer = {})
        : base("dense", dtype_style::name, weight_initializer, bias_initializer) {}

    template <class X>
        requires Operand<X>
    auto operator()(const X& x) {
        using Sx = typename X::shape_type;
        using Dx = typename X::device_type;
        check_input_device<D, Dx>("Dense");
        static_assert(Sx::rank() >= (Opt.flatten ? 2 : 1),
                      "kiln: Dense needs an input of rank >= 2 with flatten (batch, features...), >= 1 without");
        constexpr std::size_t static_in = static_in_units<Sx>();
        if constexpr (Opt.in_units != 0 && static_in != dyn) {
            static_assert(static_in == Opt.in_units,
                          "kiln: the input's static feature count contradicts this Dense's in_units");
        }
        const auto xs = x.shape();
        const std::size_t in = Opt.flatten ? (xs[0] ? xs.size() / xs[0] : 0) : xs[Sx::rank() - 1];
        const std::size_t rows = in ? xs.size() / in : 0;
        this->ensure_ready([&] { return shape(Opt.units, in); });
        const auto& w = weight.data();
        if (!(x.context() == w.context())) throw_input_elsewhere(x.context(), this->prefix(), w.context());
        if (w.shape()[1] != in)
            throw shape_error("kiln: " + name() + " expects " + std::to_string(w.shape()[1]) +
                              " input features but the input " + xs.str() + " has " + std::to_string(in) +
                              " (weight " + w.shape().str() + ")");
        const auto out_shape_value = out_shape_of(xs);
        using OS = std::remove_const_t<decltype(out_shape_value)>;
        Tensor<T, OS, D> y(out_shape_value, w.context(), kiln::detail::uninitialized_t{});
        kernels::dense_forward(w.context(), x.data(), w.data(), this->bias_data(), y.data(), rows, in, Opt.units);
        return y;
    }

    // Dense(None -> 256, linear) as Gluon's Dense.__repr__
    std::string repr() const {
        const auto ws = weight.shape();
        return "Dense(" + (ws[1] ? std::to_string(ws[1]) : std::string("None")) + " -> " + std::to_string(ws[0]) +
               ", linear)";
    }
    friend std::ostream& operator<<(std::ostream& os, const Dense& l) { return os << l.repr(); }

private:
    template <class Sx>
    static constexpr std::size_t static_in_units() {
        if constexpr (Opt.flatten) {
            std::size_t p = 1;
            for (std::size_t i = 1; i < Sx::rank(); ++i) {
                if (Sx::static_extents[i] == dyn) return dyn;
                p *= Sx::static_extents[i];
            }
            return p;
        } else {
            return Sx::static_extents[Sx::rank() - 1];
        }
    }

    template <std::size_t... N>
    static auto out_shape_of(const Shape<N...>& xs) {
        constexpr std::size_t r = sizeof...(N);
        if constexpr (Opt.flatten) {
            using OS = Shape<Shape<N...>::static_extents[0], Opt.units>;
            const std::size_t d[2] = {xs[0], Opt.units};
            return shape_from<OS>(d, 2);
        } else {
            return replace_last(xs, std::make_index_sequence<r - 1>{});
        }
    }
    template <std::size_t... N, std::size_t... I>
    static auto replace_last(const Shape<N...>& xs, std::index_sequence<I...>) {
        using OS = Shape<Shape<N...>::static_extents[I]..., Opt.units>;
        const std::size_t d[] = {xs[I]..., Opt.units};
        return shape_from<OS>(d, sizeof...(N));
    }
};

}  // namespace kiln::nn
