// kiln: a compile-time expression-template tensor DSL for neural-network layers.
// Umbrella header: everything a user needs.
#pragma once

#include "config.hpp"
#include "device.hpp"
#include "errors.hpp"
#include "init.hpp"
#include "init_mixed.hpp"
#include "naming.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"
#include "parallel.hpp"
#include "parameter.hpp"
#include "print.hpp"
#include "random.hpp"
#include "shape.hpp"
#include "tensor.hpp"
