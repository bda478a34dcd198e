// kiln: a compile-time expression-template tensor DSL for neural-network layers.
// Umbrella header: everything a user needs, except init::Mixed (<kiln/init_mixed.hpp>, left out because
// it needs <regex>: about 0.3 s more to parse in every file that includes kiln.hpp, with g++ 12).
#pragma once

#include "config.hpp"
#include "device.hpp"
#include "errors.hpp"
#include "init.hpp"
#include "naming.hpp"
#include "nn/conv2d.hpp"
#include "nn/dense.hpp"
#include "parallel.hpp"
#include "parameter.hpp"
#include "print.hpp"
#include "random.hpp"
#include "shape.hpp"
#include "tensor.hpp"
