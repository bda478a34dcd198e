#!/usr/bin/env python3
"""Generate tests/golden/print_goldens.inc: numpy str(arr) goldens for kiln::detail::format_numpy.

Usage (from the repository root):

    python3 tests/golden/gen_print_goldens.py > tests/golden/print_goldens.inc

Every input is deterministic (literal values or closed formulas, no random numbers). The array
values are written as shortest round-trip decimal literals of their own dtype, so the C++ side
receives exactly the float32 / float64 values numpy formatted.

Reference behaviour is numpy 1.21 .. 2.2 (what MXNet, which needs numpy < 2, prints). numpy >= 2.3
switched float32 arrays to scientific notation from 1e6 instead of 1e8; that is undone here with
legacy='2.2'. One more numpy 2 difference (NEP 50) cannot be switched off: numpy 2 compares the
smallest float32 magnitude with 1e-4 in float32, numpy 1 in float64, so an array whose smallest
nonzero magnitude is exactly float32(1e-4) formats differently; no golden below contains that value.
"""

import math
import sys

import numpy as np

if tuple(int(p) for p in np.__version__.split(".")[:2]) >= (2, 3):
    np.set_printoptions(legacy="2.2")

F32 = np.float32
F64 = np.float64

CASES = []


def case(name, arr):
    arr = np.asarray(arr)
    assert arr.dtype in (np.float32, np.float64), name
    CASES.append((name, arr))


def formula(n, f, dtype):
    """Values f(i) for i in [0, n), computed in float64 and then rounded to dtype."""
    return np.array([f(i) for i in range(n)], dtype=np.float64).astype(dtype)


# ---------------------------------------------------------------------------- basics
case("ones (1,1,3,3) float32", np.ones((1, 1, 3, 3), F32))
case("arange(12) (3,4) float32", np.arange(12, dtype=F32).reshape(3, 4))
case("arange(12) (3,4) float64", np.arange(12, dtype=F64).reshape(3, 4))
case("integral floats float32", np.array([1.0, 2.0], F32))
case("integral floats float64", np.array([1.0, 2.0], F64))
case("one element float32", np.array([1.0], F32))
case("one element (1,1,1) float64", np.array([[[2.5]]], F64))
case("fraction widths pad right float64", np.array([1.0, 2.5, 3.25], F64))
case("fraction widths pad right, last padded float32", np.array([2.5, 3.25, 1.0], F32))
case("rank 5 (2,2,2,2,2) float64 blank lines", np.arange(32, dtype=F64).reshape(2, 2, 2, 2, 2) / 4)

# ---------------------------------------------------------------------------- sign column
case("negative values with sign column float32",
     np.array([[0.41332, 0.05636501, -0.08815584]], F32))
case("negative values with sign column float64",
     np.array([[-1.5, 2.25, 3.0], [4.0, -0.125, 6.0]], F64))
case("all negative float64", np.array([-1.0, -2.5], F64))

# ---------------------------------------------------------------------------- scientific
case("small values: 1e-5 with 0.5 float64", np.array([1e-5, 0.5, 0.25, 3e-5], F64))
case("small values: 1e-5 with 0.5 float32", np.array([1e-5, 0.5, 0.25, 3e-5], F32))
case("large values 1e9 float64", np.array([1e9, 2.5e9, 3e9], F64))
case("large values 1e9 float32", np.array([1e9, 2.5e9, 3e9], F32))
case("just below 1e8 stays positional float64", np.array([99999999.0, 5e7], F64))
case("mixed exponents (max/min > 1e3) float64", np.array([0.001, 1.5, 2000.0], F64))
case("mixed exponents negative float32", np.array([[-0.001, 1.5], [2000.0, -3.0]], F32))
case("ratio exactly 1e3 stays positional float64", np.array([1.0, 1000.0], F64))
case("ratio just above 1e3 float32", np.array([1.0, 1001.0], F32))
case("min just at 1e-4 positional float64", np.array([1e-4, 5e-4], F64))
case("scientific exact digits past shortest float32", np.array([-1.5467741, 2.2e-6, 0.5], F32))
case("scientific float32 1e-5 keeps exact digits", np.array([1e-5, 1.23456e-3, 0.5], F32))
case("scientific float32 1e-5 exact digits change the exponent", np.array([1e-5, 1.2345678], F32))
case("three digit exponents float64", np.array([5e-324, 1.0, 1e300], F64))
case("scientific row wraps float64",
     formula(12, lambda i: math.exp(i * 1.7 - 9.0) * (1 if i % 3 else -1), F64))

# ---------------------------------------------------------------------------- rounding / float32 digits
case("round to 8 fraction digits float64", np.array([0.123456789], F64))
case("round half to even at 8 digits float64", np.array([0.001953125, 0.005859375, 0.5], F64))
case("float32 shortest differs from float64", np.array([0.1, 0.2, 0.3], F32))
case("float64 0.1 0.2 0.3", np.array([0.1, 0.2, 0.3], F64))
case("float32 2^24..1e8 print exact integers", np.array([78223952.0, 1.5e7, -33554432.0], F32))
case("float32 8 significant digits", np.array([[0.12345679, 3.1415927], [2.7182817, -1.4142135]], F32))

# ---------------------------------------------------------------------------- line wrapping
case("7x7 (1,1,7,7) float32 wraps at 75",
     formula(49, lambda i: math.sin(i * 1.3 + 0.5) * 0.9, F32).reshape(1, 1, 7, 7))
case("7x7 (1,1,7,7) float64 wraps at 75",
     formula(49, lambda i: math.cos(i * 0.9) * 0.75, F64).reshape(1, 1, 7, 7))
case("(10,100) float32 exactly 1000 elements not summarised",
     (np.arange(1000, dtype=F32) * F32(0.5)).reshape(10, 100))

# ---------------------------------------------------------------------------- summarised
case("(512,3,3) float32 summarised",
     formula(512 * 9, lambda i: 0.025 * math.sin(i * 0.7), F32).reshape(512, 3, 3))
case("arange(2000) float32 summarised", np.arange(2000, dtype=F32))
case("arange(1001)*0.5 float64 summarised", np.arange(1001, dtype=F64) * 0.5)
case("(8,8,8,8) float64 summarised",
     formula(8 ** 4, lambda i: ((i * 37) % 201 - 100) / 16.0, F64).reshape(8, 8, 8, 8))
case("(40,40) float32 summarised rows",
     formula(1600, lambda i: (i * 7 % 23) * 12.375 - 100.0, F32).reshape(40, 40))
case("(3,400) float64 summarised only the long axis",
     formula(1200, lambda i: (i % 17) * 0.25 - 2.0, F64).reshape(3, 400))
case("(2000,) float64 summarised scientific row wraps",
     formula(2000, lambda i: (i + 1) * 1.2345678e-3 * (-1) ** i, F64))
case("(11,11,11) float32 summarised scientific",
     formula(11 ** 3, lambda i: math.sin(i * 0.3) * 10.0 ** (i % 9 - 4), F32).reshape(11, 11, 11))
case("(1100,) float32 summarised scientific only over printed items",
     np.concatenate([np.full(3, 1.0), np.full(1094, 1e-9), np.full(3, 2.0)]).astype(F32))

# ---------------------------------------------------------------------------- 0-d, empty
case("0-d 1.5 float32", np.array(1.5, F32))
case("0-d 1.0 float64", np.array(1.0, F64))
case("0-d 0.1 float32", np.array(0.1, F32))
case("0-d 0.123456789 float64 (not truncated)", np.array(0.123456789, F64))
case("0-d 1e20 float64", np.array(1e20, F64))
case("0-d 1.5e-5 float32", np.array(1.5e-5, F32))
case("0-d 1e16 float64", np.array(1e16, F64))
case("0-d 9999000000000000 float64", np.array(9999000000000000.0, F64))
case("0-d 123456789012 float32", np.array(123456789012.0, F32))
case("0-d -0.0 float64", np.array(-0.0, F64))
case("0-d nan float32", np.array(np.nan, F32))
case("0-d -inf float64", np.array(-np.inf, F64))
case("empty (0,) float32", np.zeros((0,), F32))
case("empty (2,0) float64", np.zeros((2, 0), F64))
case("empty (0,3) float32", np.zeros((0, 3), F32))

# ---------------------------------------------------------------------------- non-finite, -0
case("nan inf -inf with finite float64", np.array([np.nan, np.inf, -np.inf, 1.5], F64))
case("nan and inf only float32", np.array([np.nan, np.inf], F32))
case("nan only float64", np.array([np.nan, np.nan], F64))
case("-inf only float32", np.array([-np.inf], F32))
case("nan in scientific float64", np.array([[np.nan, 1e-5], [1.0, -np.inf]], F64))
case("negative zero float64", np.array([-0.0, 1.0], F64))
case("negative zero alone float32", np.array([-0.0], F32))
case("zeros float32", np.array([0.0, -0.0, 0.0], F32))
case("negative zero in scientific float64", np.array([-0.0, 1e-7, 1.0], F64))


# ---------------------------------------------------------------------------- emit
def literal(x, dtype):
    suffix = "f" if dtype == np.float32 else ""
    if math.isnan(x):
        return "kNaN" + suffix.upper()
    if math.isinf(x):
        return ("-" if x < 0 else "") + "kInf" + suffix.upper()
    if dtype == np.float32:
        text = str(np.float32(x))  # shortest repr that round-trips float32
        if "." not in text and "e" not in text:
            text += ".0"
        return text + "f"
    return repr(float(x))  # shortest repr that round-trips float64


def emit(out):
    w = out.write
    w("// Generated by tests/golden/gen_print_goldens.py with numpy %s -- do not edit.\n" % np.__version__)
    w("// Regenerate: python3 tests/golden/gen_print_goldens.py > tests/golden/print_goldens.inc\n")
    w("// Expected strings are numpy's str(arr) (default print options).\n")
    w("#pragma once\n\n#include <cstddef>\n#include <limits>\n\n")
    w("namespace kiln_print_goldens {\n\n")
    w("inline constexpr float kNaNF = std::numeric_limits<float>::quiet_NaN();\n")
    w("inline constexpr float kInfF = std::numeric_limits<float>::infinity();\n")
    w("inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();\n")
    w("inline constexpr double kInf = std::numeric_limits<double>::infinity();\n\n")
    w("template <class T>\nstruct Golden {\n    const char* name;\n    const std::size_t* shape;\n"
      "    std::size_t rank;\n    const T* data;\n    const char* expected;\n};\n\n")
    tables = {np.float32: [], np.float64: []}
    for k, (name, arr) in enumerate(CASES):
        ctype = "float" if arr.dtype == np.float32 else "double"
        dt = np.float32 if arr.dtype == np.float32 else np.float64
        shape = list(arr.shape) or [0]  # a 0-size C array is not allowed: rank says what counts
        flat = arr.reshape(-1).tolist() or [0.0]
        expected = str(arr)
        assert ")np\"" not in expected
        w("// %s: shape %s\n" % (name, tuple(arr.shape)))
        w("inline constexpr std::size_t shape_%d[] = {%s};\n" % (k, ", ".join(map(str, shape))))
        w("inline constexpr %s data_%d[] = {" % (ctype, k))
        lits = [literal(v, dt) for v in flat]
        per_line = 8
        rows = [", ".join(lits[i:i + per_line]) for i in range(0, len(lits), per_line)]
        w("\n    " + ",\n    ".join(rows) + "};\n\n")
        tables[dt].append('    {"%s", shape_%d, %d, data_%d,\n     R"np(%s)np"},\n'
                          % (name, k, arr.ndim, k, expected))
    w("inline constexpr Golden<float> float32_cases[] = {\n" + "".join(tables[np.float32]) + "};\n\n")
    w("inline constexpr Golden<double> float64_cases[] = {\n" + "".join(tables[np.float64]) + "};\n\n")
    w("}  // namespace kiln_print_goldens\n")


if __name__ == "__main__":
    emit(sys.stdout)
