#!/usr/bin/env python3
"""Header self-containment test: every public header compiles on its own, as the first include of a
file, without warnings (-Wall -Wextra -Werror), so a user may include any one of them alone; and
every kiln/impl/X.ipp is included by kiln/X.hpp and by kiln/separate_kernels.hpp.

usage: check.py SOURCE_ROOT -- COMPILER [FLAGS...]

Headers: include/kiln/**/*.hpp (separate_kernels.hpp with -DKILN_SEPARATE_KERNELS, which it requires)
and cuda/kiln/gpu/*.hpp (precompiled.hpp and library.hpp, the CUDA build's host-compiled side, with
-DKILN_GPU_BACKEND_CUDA instead of the Thrust backend in FLAGS; the others only when FLAGS select a
Thrust backend). Runs two compilers at a time.
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile


def flags_for(rel, base):
    if rel.endswith("separate_kernels.hpp"):
        return base + ["-DKILN_SEPARATE_KERNELS"]
    if rel.endswith("gpu/precompiled.hpp") or rel.endswith("gpu/library.hpp"):
        return [f for f in base if not f.startswith("-DKILN_GPU_BACKEND_")] + ["-DKILN_GPU_BACKEND_CUDA"]
    return base


def check_ipp(root):
    """Every kiln/impl/X.ipp is included by its header kiln/X.hpp (header-only build) and by
    kiln/separate_kernels.hpp (separate build): a body left out of either is a link error only in
    the programs that happen to call it. Returns the problems found."""
    inc = os.path.join(root, "include", "kiln")
    sep = open(os.path.join(inc, "separate_kernels.hpp")).read()
    problems = []
    for d, _, files in os.walk(os.path.join(inc, "impl")):
        for f in files:
            if not f.endswith(".ipp"):
                continue
            rel = os.path.relpath(os.path.join(d, f), inc)  # impl/nn/conv2d.ipp
            own = rel[len("impl/"):-len(".ipp")] + ".hpp"   # nn/conv2d.hpp
            if f'#include "{rel}"' not in sep:
                problems.append(f"kiln/separate_kernels.hpp does not include {rel}")
            hpp = os.path.join(inc, own)
            back = "../" * own.count("/") + rel
            if not os.path.isfile(hpp):
                problems.append(f"{rel} has no header kiln/{own}")
            elif f'#include "{back}"' not in open(hpp).read():
                problems.append(f"kiln/{own} does not include its bodies ({back})")
    return problems


def main() -> int:
    sep = sys.argv.index("--")
    root = sys.argv[1]
    compiler = sys.argv[sep + 1:]
    headers = []
    for top in ("include", "cuda"):
        for d, _, files in os.walk(os.path.join(root, top, "kiln")):
            for f in files:
                if f.endswith(".hpp"):
                    headers.append(os.path.relpath(os.path.join(d, f), os.path.join(root, top)))
    headers.sort()
    # Without a Thrust backend in FLAGS (Thrust not found), the Thrust side of cuda/ cannot compile.
    if not any(f.startswith("-DKILN_GPU_BACKEND_THRUST") for f in compiler):
        headers = [h for h in headers if not h.startswith("kiln/gpu/") or flags_for(h, []) != []]
    if len(headers) < 30:
        print(f"FAIL: found only {len(headers)} headers under {root}", file=sys.stderr)
        return 1
    base = compiler + ["-std=c++20", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-x", "c++"]

    with tempfile.TemporaryDirectory() as tmp:
        def check(rel):
            src = os.path.join(tmp, rel.replace("/", "_") + ".cpp")
            with open(src, "w") as f:
                f.write(f"#include <{rel}>\n")
            proc = subprocess.run(flags_for(rel, base) + [src], capture_output=True, text=True)
            return rel, proc.returncode, proc.stdout + proc.stderr

        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(check, headers))
    failed = [(rel, out) for rel, rc, out in results if rc != 0]
    for rel, out in failed:
        print(f"FAIL: <{rel}> does not compile on its own:\n{out[:3000]}", file=sys.stderr)
    ipp_problems = check_ipp(root)
    for p in ipp_problems:
        print(f"FAIL: {p}", file=sys.stderr)
    print(f"{len(results) - len(failed)} of {len(results)} headers compile on their own; "
          f"{len(ipp_problems)} impl/*.ipp inclusion problems")
    return 1 if failed or ipp_problems else 0

if __name__ == "__main__":
    sys.exit(main())
