// kiln/nn/weight_bias_layer.hpp: what Conv2D and Dense share: a Gluon name prefix, a weight and an
// optional bias parameter, Block.initialize / collect_params, and the one-time completion of a
// deferred initialization at the first forward pass (under a lock, so a concurrent first forward
// initializes once).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "../naming.hpp"
#include "../parameter.hpp"
#include "layer_common.hpp"

namespace kiln::nn {

template <Element T, ShapeType WeightShape, ShapeType BiasShape, Device D, bool UseBias>
class weight_bias_layer {
public:
    weight_bias_layer(const weight_bias_layer&) = delete;
    weight_bias_layer& operator=(const weight_bias_layer&) = delete;

    const std::string& prefix() const { return prefix_; }
    std::string name() const { return layer_name(prefix_); }

    // Block.initialize(init=Uniform(), ctx, force_reinit): init is the default for parameters that
    // have no initializer of their own.
    template <init::Initializer I = init::Uniform>
    void initialize(const I& default_init = I{}, D ctx = D{}, bool force_reinit = false) {
        std::lock_guard<std::mutex> lock(m_);
        weight.initialize_default(default_init, ctx, force_reinit);
        if constexpr (UseBias) bias.initialize_default(default_init, ctx, force_reinit);
        ready_.store(weight.state() == param_state::initialized, std::memory_order_release);
    }

    parameter_dict collect_params() const {
        std::vector<const parameter_base*> ps{&weight};
        if constexpr (UseBias) ps.push_back(&bias);
        return parameter_dict(prefix_, std::move(ps));
    }

protected:
    // weight_initializer: init::none (use the block-level one, as Gluon's None) or any initializer;
    // bias_initializer: Zero by default, as Gluon's 'zeros'.
    template <class WI, class BI>
    weight_bias_layer(std::string_view kind, dtype_style style, const WI& weight_initializer,
                      const BI& bias_initializer)
        : prefix_(naming::next(kind) + "_"),
          weight(prefix_ + "weight", WeightShape{}, true, style),
          bias(prefix_ + "bias", BiasShape{}, true, style) {
        if constexpr (!std::is_same_v<WI, init::none_t>) weight.set_init(weight_initializer);
        if constexpr (!std::is_same_v<BI, init::none_t>) bias.set_init(bias_initializer);
    }

    // Before the first forward: the parameters must have been initialized (or be deferred); a
    // deferred weight takes the shape that infer_weight_shape() returns. Runs once.
    template <class F>
    void ensure_ready(F&& infer_weight_shape) {
        if (ready_.load(std::memory_order_acquire)) return;
        std::lock_guard<std::mutex> lock(m_);
        if (ready_.load(std::memory_order_relaxed)) return;
        if (weight.state() == param_state::declared) (void)weight.data();  // throws Gluon's "has not been initialized"
        // (A parameter whose shape is all static never defers: nothing to compile for it here.)
        if constexpr (!WeightShape::is_static) {
            if (weight.state() == param_state::deferred) weight.finish_deferred_init(infer_weight_shape());
        }
        if constexpr (UseBias) {
            if constexpr (!BiasShape::is_static) {
                if (bias.state() == param_state::deferred) bias.finish_deferred_init();
            }
            if (bias.state() == param_state::declared) (void)bias.data();
        }
        ready_.store(true, std::memory_order_release);
    }

    // The bias data for a kernel, or nullptr without a bias.
    const T* bias_data() const {
        if constexpr (UseBias) return bias.data().data();
        return nullptr;
    }

private:
    std::string prefix_;

public:
    Parameter<T, WeightShape, D> weight;
    Parameter<T, BiasShape, D> bias;

private:
    std::mutex m_;
    std::atomic<bool> ready_{false};
};

}  // namespace kiln::nn
