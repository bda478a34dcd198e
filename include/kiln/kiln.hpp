// kiln: a compile-time expression-template tensor DSL for neural-network layers.
// Umbrella header: everything a user needs.
#pragma once

#include "config.hpp"
#include "device.hpp"
#include "print.hpp"
#include "shape.hpp"
#include "tensor.hpp"
