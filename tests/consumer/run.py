#!/usr/bin/env python3
"""Checks the two ways other projects consume kiln.

1. As a Meson subproject: tests/consumer is copied to a scratch dir, subprojects/kiln points at this
   source tree, and the consumer is configured, built and run.
2. As an installed package: `meson install --destdir` of the current build, then a program compiled
   with only `pkg-config --cflags kiln` (the installed headers and kiln.pc).

usage: run.py SOURCE_ROOT BUILD_ROOT CXX
"""
import os
import shutil
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        print(f"FAIL: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}", file=sys.stderr)
        sys.exit(1)
    return proc.stdout


def main() -> int:
    src, build, cxx = sys.argv[1], sys.argv[2], sys.argv[3]
    with tempfile.TemporaryDirectory(prefix="kiln-consumer-") as tmp:
        proj = os.path.join(tmp, "consumer")
        shutil.copytree(os.path.join(src, "tests", "consumer"), proj)
        os.makedirs(os.path.join(proj, "subprojects"))
        os.symlink(src, os.path.join(proj, "subprojects", "kiln"))
        run(["meson", "setup", "build", "-Dkiln:gpu_backend=none"], cwd=proj)
        run(["meson", "compile", "-C", "build"], cwd=proj)
        out = run([os.path.join(proj, "build", "consumer")])
        if "consumer sum=16" not in out or "<NDArray 2x2 @cpu(0)>" not in out:
            print(f"FAIL: unexpected consumer output:\n{out}", file=sys.stderr)
            return 1
        print("ok: kiln_dep works from a Meson subproject")

        dest = os.path.join(tmp, "dest")
        run(["meson", "install", "-C", build, "--destdir", dest, "--no-rebuild", "--quiet"])
        pcs = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs if f == "kiln.pc"]
        if not pcs:
            print("FAIL: meson install did not install kiln.pc", file=sys.stderr)
            return 1
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]), PKG_CONFIG_SYSROOT_DIR=dest)
        cflags = run(["pkg-config", "--cflags", "kiln"], env=env).split()
        if not any(f.startswith("-I" + dest) for f in cflags):
            print(f"FAIL: kiln.pc does not point at the installed headers: {cflags}", file=sys.stderr)
            return 1
        exe = os.path.join(tmp, "pc_consumer")
        run([cxx, *cflags, os.path.join(src, "tests", "consumer", "main.cpp"), "-o", exe])
        out = run([exe])
        if "consumer sum=16" not in out:
            print(f"FAIL: unexpected output:\n{out}", file=sys.stderr)
            return 1
        print("ok: installed headers + kiln.pc work")
    return 0


if __name__ == "__main__":
    sys.exit(main())
