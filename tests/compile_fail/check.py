#!/usr/bin/env python3
"""Compile-fail test: compiling SOURCE must fail, and the diagnostics must contain EXPECTED.

usage: check.py SOURCE EXPECTED -- COMPILER [FLAGS...]
"""
import subprocess
import sys


def main() -> int:
    sep = sys.argv.index("--")
    source, expected = sys.argv[1], sys.argv[2]
    cmd = sys.argv[sep + 1:] + ["-fsyntax-only", source]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        print(f"FAIL: {source} compiled, but it must not", file=sys.stderr)
        return 1
    if expected not in out:
        print(f"FAIL: {source} failed to compile, but without the expected message:\n  {expected}\n"
              f"--- compiler output (first 4000 chars) ---\n{out[:4000]}", file=sys.stderr)
        return 1
    print(f"ok: {source} is rejected with: {expected}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
