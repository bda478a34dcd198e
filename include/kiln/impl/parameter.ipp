// kiln/impl/parameter.ipp: the bodies of kiln/parameter.hpp (see KILN_DECL in kiln/config.hpp).
#pragma once

#include "../parameter.hpp"

namespace kiln::detail {

KILN_DECL std::string parameter_repr(const std::string& name, const std::string& shape, dtype_style style,
                                     const char* dtype) {
    std::string dt = style == dtype_style::numpy_class ? std::string("<class 'numpy.") + dtype + "'>" : dtype;
    return "Parameter " + name + " (shape=" + shape + ", dtype=" + dt + ")";
}
KILN_DECL void throw_invalid_shape(const std::string& name, const std::string& shape, bool deferred_hint) {
    throw init_error("Cannot initialize Parameter '" + name + "' because it has invalid shape: " + shape +
                     (deferred_hint ? ". Please specify in_units, in_channels, etc for `Block`s." : "."));
}
KILN_DECL void warn_already_initialized(const std::string& name) {
    warn("Parameter '" + name + "' is already initialized, ignoring. Set force_reinit=True to re-initialize.");
}
KILN_DECL void throw_no_data(const std::string& name, bool deferred) {
    if (deferred)
        throw deferred_init_error(
            "Parameter '" + name +
            "' has not been initialized yet because initialization was deferred. Actual initialization happens "
            "during the first forward pass. Please pass one batch of data through the network before accessing "
            "Parameters. You can also avoid deferred initialization by specifying in_units, num_features, etc., "
            "for network layers.");
    throw uninitialized_error("Parameter '" + name +
                              "' has not been initialized. Note that you should initialize parameters and create "
                              "Trainer with Block.collect_params() instead of Block.params because the later does "
                              "not include Parameters of nested child Blocks");
}
KILN_DECL void throw_wrong_context(const std::string& name, const std::string& asked,
                                    const std::string& has) {
    throw device_error("Parameter '" + name + "' was not initialized on context " + asked +
                       ". It was only initialized on [" + has + "].");
}
KILN_DECL void throw_set_data_uninitialized(const std::string& name) {
    throw uninitialized_error("Parameter '" + name + "' has not been initialized");
}

}  // namespace kiln::detail
