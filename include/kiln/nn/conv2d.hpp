// kiln/nn/conv2d.hpp: Gluon's nn.Conv2D (NCHW) with the known settings as template parameters.
//
//   nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}, .in_channels = 1}> layer;   // weight (1, 1, 3, 3)
//   nn::Conv2D<nn::conv2d{.channels = 1, .kernel_size = {3, 3}}> lazy;                       // weight (1, 0, 3, 3)
//
// The weight's shape type is Shape<channels, in_channels/groups (or dyn), kh, kw>: static when
// in_channels is given, so fans and output extents fold at compile time; deferred (0) otherwise and
// filled from the first input's channel extent.
#pragma once

#include <ostream>
#include <string>
#include <type_traits>

#include "conv2d_kernels.hpp"
#include "layer_common.hpp"
#include "weight_bias_layer.hpp"

namespace kiln::nn {

struct conv2d {
    std::size_t channels = 0;
    hw kernel_size = hw{0};
    hw strides = hw{1};
    hw padding = hw{0};
    hw dilation = hw{1};
    std::size_t groups = 1;
    bool use_bias = true;
    std::size_t in_channels = 0;  // 0: deferred until the first forward pass
};

// Gluon's _Conv.__repr__ of a Conv2D with these settings whose weight has `in_per_group` input
// channels per group (0: not known yet, printed None). The body: kiln/impl/nn/conv2d.ipp.
KILN_DECL std::string conv2d_repr(const conv2d& opt, std::size_t in_per_group);

// What a forward pass does at run time that needs neither the element type nor the settings as
// template arguments, compiled once for every Conv2D (see KILN_DECL) instead of once per layer type:
// checks the NCHW input extents x against a weight with w_in_per_group input channels per group
// (Gluon's texts, naming the layer whose parameters' prefix is `prefix`) and returns the kernel's
// parameters. The bodies: kiln/impl/nn/conv2d.ipp.
KILN_DECL kernels::conv2d_params conv2d_forward_params(const conv2d& opt, const std::string& prefix,
                                                       const std::size_t* x, std::size_t w_in_per_group);
// The first input of a layer with deferred in_channels: the weight's input channels per group.
KILN_DECL std::size_t conv2d_deferred_in_per_group(const conv2d& opt, const std::string& prefix,
                                                   std::size_t in_channels);

template <conv2d Opt, Element T = float, Device D = cpu>
class Conv2D : public weight_bias_layer<T, Shape<Opt.channels, (Opt.in_channels ? Opt.in_channels / Opt.groups : dyn), Opt.kernel_size.h, Opt.kernel_size.w>,
                                         Shape<Opt.channels>, D, Opt.use_bias> {
    static_assert(Opt.channels > 0, "kiln: Conv2D needs channels > 0");
    static_assert(Opt.kernel_size.h > 0 && Opt.kernel_size.w > 0, "kiln: Conv2D needs a kernel_size of at least 1x1");
    static_assert(Opt.strides.h > 0 && Opt.strides.w > 0, "kiln: Conv2D strides must be at least 1");
    static_assert(Opt.dilation.h > 0 && Opt.dilation.w > 0, "kiln: Conv2D dilation must be at least 1");
    static_assert(Opt.groups > 0, "kiln: Conv2D groups must be at least 1");
    static_assert(Opt.channels % Opt.groups == 0,
                  "kiln: Conv2D channels must be divisible by groups (Gluon: output num_filter must divide group size)");
    static_assert(Opt.in_channels % Opt.groups == 0,
                  "kiln: Conv2D in_channels must be divisible by groups (Gluon: input num_filter must divide group size)");

    static constexpr std::size_t kh = Opt.kernel_size.h, kw = Opt.kernel_size.w;
    static constexpr std::size_t in_per_group = Opt.in_channels ? Opt.in_channels / Opt.groups : dyn;

    using base = weight_bias_layer<T, Shape<Opt.channels, in_per_group, kh, kw>, Shape<Opt.channels>, D, Opt.use_bias>;

public:
    using base::bias;
    using base::name;
    using base::weight;
    static constexpr conv2d options = Opt;
    // Everything but the batch, the image size and (when deferred) the input channels is known here,
    // so the cpu kernels compile only the algorithms and tiles this layer can use.
    static constexpr kernels::conv2d_static conv_static{.K = Opt.channels,
                                                        .C = Opt.in_channels ? Opt.in_channels : dyn,
                                                        .R = kh,
                                                        .S = kw,
                                                        .stride_h = Opt.strides.h,
                                                        .stride_w = Opt.strides.w,
                                                        .pad_h = Opt.padding.h,
                                                        .pad_w = Opt.padding.w,
                                                        .dil_h = Opt.dilation.h,
                                                        .dil_w = Opt.dilation.w,
                                                        .groups = Opt.groups};
    using weight_shape = Shape<Opt.channels, in_per_group, kh, kw>;
    using bias_shape = Shape<Opt.channels>;
    using value_type = T;
    using device_type = D;

    template <class WI = init::none_t, class BI = init::Zero>
    explicit Conv2D(const WI& weight_initializer = {}, const BI& bias_initializer = {})
        : base("conv", dtype_style::numpy_class, weight_initializer, bias_initializer) {}

    // Forward pass: NCHW input on the layer's device; the output lives there too.
    template <class X>
        requires Operand<X>
    auto operator()(const X& x) {
        return forward<false>(x, nullptr);
    }

    // The weight prepared once for repeated inference on the cpu (kernels::conv2d_prepare; see
    // docs/architecture.md): a snapshot of its current values, with the Winograd transform done when
    // this layer's kernel is Winograd. layer(x, prepared) is the forward pass on that snapshot and the
    // layer's bias: the same bits as layer(x) while the weight keeps those values. Later changes to
    // the weight do not reach it (prepare again). The weight must be initialized, its shape known
    // (else Parameter::data()'s error).
    kernels::conv2d_prepared<T> prepare() const {
        static_assert(std::is_same_v<D, cpu>,
                      "kiln: Conv2D::prepare is for cpu layers: the gpu kernel reads the weight as it is, so call "
                      "the layer without prepared weights");
        const auto& w = weight.data();
        const std::size_t ipg = w.shape()[1];
        // the smallest image the kernel fits: only the weight-related parameters matter here
        const std::size_t xd[4] = {1, ipg * Opt.groups, Opt.dilation.h * (kh - 1) + 1, Opt.dilation.w * (kw - 1) + 1};
        return kernels::conv2d_prepare_cpu(conv2d_forward_params(Opt, this->prefix(), xd, ipg), w.data());
    }

    // The forward pass on prepared weights (see prepare()). Weights prepared for another weight shape
    // are a shape_error naming both shapes.
    template <class X>
        requires Operand<X>
    auto operator()(const X& x, const kernels::conv2d_prepared<T>& prepared) {
        static_assert(std::is_same_v<D, cpu>, "kiln: prepared Conv2D weights are for cpu layers");
        return forward<true>(x, &prepared);
    }

    // Conv2D(None -> 1, kernel_size=(3, 3), stride=(1, 1)) as Gluon's _Conv.__repr__
    std::string repr() const { return conv2d_repr(Opt, weight.shape()[1]); }
    friend std::ostream& operator<<(std::ostream& os, const Conv2D& l) { return os << l.repr(); }

private:
    // The forward pass, on the weight parameter or (Prepared) on *prepared. (A template flag, so a
    // layer that never uses prepared weights does not compile that path.)
    template <bool Prepared, class X>
    auto forward(const X& x, [[maybe_unused]] const kernels::conv2d_prepared<T>* prepared) {
        using Sx = typename X::shape_type;
        using Dx = typename X::device_type;
        check_input_device<D, Dx>("Conv2D");
        static_assert(Sx::rank() == 4, "kiln: Conv2D expects a 4-D NCHW input (batch, channels, height, width)");
        if constexpr (Opt.in_channels != 0 && Sx::static_extents[1] != dyn) {
            static_assert(Sx::static_extents[1] == Opt.in_channels,
                          "kiln: the input's static channel extent contradicts this Conv2D's in_channels "
                          "(see Sx and Opt in this instantiation); feed an input with in_channels channels, or "
                          "leave in_channels deferred (0) to take it from the first input");
        }
        const auto xd = x.shape().dims();
        this->ensure_ready([&] {
            return shape(Opt.channels, conv2d_deferred_in_per_group(Opt, this->prefix(), xd[1]), kh, kw);
        });

        const auto& w = weight.data();
        if (!(x.context() == w.context())) throw_input_elsewhere(x.context(), this->prefix(), w.context());
        const kernels::conv2d_params p = conv2d_forward_params(Opt, this->prefix(), xd.data(), w.shape()[1]);

        using out_shape = Shape<Sx::static_extents[0], Opt.channels,
                                out_extent<Sx::static_extents[2], kh, Opt.strides.h, Opt.padding.h, Opt.dilation.h>(),
                                out_extent<Sx::static_extents[3], kw, Opt.strides.w, Opt.padding.w, Opt.dilation.w>()>;
        const std::size_t dims[4] = {p.N, p.K, p.P(), p.Q()};
        Tensor<T, out_shape, D> y(shape_from<out_shape>(dims, 4), w.context(), kiln::detail::uninitialized_t{});
        if constexpr (Prepared)
            kernels::conv2d_forward_cpu(p, x.data(), *prepared, this->bias_data(), y.data());
        else
            kernels::conv2d_forward<conv_static>(w.context(), p, x.data(), w.data(), this->bias_data(), y.data());
        return y;
    }

    template <std::size_t In, std::size_t K, std::size_t S, std::size_t P, std::size_t Dl>
    static constexpr std::size_t out_extent() {
        if constexpr (In == dyn) {
            return dyn;
        } else {
            return decltype(conv_out_extent(c<In>, c<K>, c<S>, c<P>, c<Dl>))::value;
        }
    }
};

}  // namespace kiln::nn

#if KILN_HEADER_ONLY
#include "../impl/nn/conv2d.ipp"
#endif
