#!/usr/bin/env python3
"""Header self-containment test: every public header compiles on its own, as the first include of a
file, without warnings (-Wall -Wextra -Werror), so a user may include any one of them alone.

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
    print(f"{len(results) - len(failed)} of {len(results)} headers compile on their own")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
