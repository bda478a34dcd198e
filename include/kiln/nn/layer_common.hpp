// kiln/nn/layer_common.hpp: small pieces shared by the layers.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>

#include "../config.hpp"
#include "../device.hpp"

namespace kiln::nn {

// A (height, width) pair that also accepts one number for both, as Gluon's int-or-tuple arguments.
struct hw {
    std::size_t h = 0, w = 0;
    constexpr hw() = default;
    constexpr hw(std::size_t v) : h(v), w(v) {}
    constexpr hw(std::size_t a, std::size_t b) : h(a), w(b) {}
};

// "(3, 3)"
KILN_DECL std::string tuple_text(hw v);

// A layer's name from its parameters' prefix: "conv0_" -> "conv0" (Gluon's Block.name).
inline std::string layer_name(const std::string& prefix) { return prefix.substr(0, prefix.size() - 1); }

// A forward whose input is on another device of the layer's device type (cpu(0) vs cpu(1), gpu(0)
// vs gpu(1)): "kiln: the input is on gpu(1) but conv0's parameters are on gpu(0)".
[[noreturn]] KILN_COLD KILN_DECL void throw_input_elsewhere(const std::string& input_device, const std::string& layer,
                                                            const std::string& params_device);
// The same from the devices and the layer's prefix ("conv0_"), out of the forward pass's way.
template <class D>
[[noreturn]] KILN_COLD KILN_NOINLINE void throw_input_elsewhere(D input, const std::string& prefix, D params) {
    throw_input_elsewhere(to_string(input), layer_name(prefix), to_string(params));
}

// A forward whose input lives on another device type than the layer's parameters does not compile.
template <class LayerD, class InputD>
constexpr void check_input_device(const char*) {
    if constexpr (std::is_same_v<LayerD, cpu> && std::is_same_v<InputD, gpu>) {
        static_assert(std::is_same_v<LayerD, InputD>,
                      "kiln: this layer's parameters live on cpu but the input is a gpu tensor; copy the input "
                      "with x.to(kiln::cpu(0)), or declare the layer on kiln::gpu");
    } else if constexpr (std::is_same_v<LayerD, gpu> && std::is_same_v<InputD, cpu>) {
        static_assert(std::is_same_v<LayerD, InputD>,
                      "kiln: this layer's parameters live on gpu but the input is a cpu tensor; copy the input "
                      "with x.to(kiln::gpu(0)), or declare the layer on kiln::cpu");
    }
}

}  // namespace kiln::nn

#if KILN_HEADER_ONLY
#include "../impl/nn/layer_common.ipp"
#endif
