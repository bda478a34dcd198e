#!/usr/bin/env python3
"""same_output.py [--skip-if TEXT] PROG_A PROG_B: runs both programs; fails unless both exit 0 with
identical stdout. With --skip-if, a program that fails with TEXT in its output (say, a CUDA build's
"no GPU" error) makes the test a SKIP (exit status 77) instead."""
import subprocess
import sys

args = sys.argv[1:]
skip_text = None
if len(args) >= 2 and args[0] == "--skip-if":
    skip_text, args = args[1], args[2:]
if len(args) != 2:
    sys.exit(__doc__)

outs = []
for prog in args:
    r = subprocess.run([prog], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{prog} exited {r.returncode}\n{r.stderr[-2000:]}")
        if skip_text is not None and skip_text in r.stdout + r.stderr:
            print(f"SKIP: the output says '{skip_text}'")
            sys.exit(77)
        sys.exit(1)
    outs.append(r.stdout)
if outs[0] != outs[1]:
    a, b = outs[0].splitlines(), outs[1].splitlines()
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f"first difference at line {i + 1}:\n  {args[0]}: {x}\n  {args[1]}: {y}")
            break
    else:
        print(f"outputs differ in length: {len(a)} vs {len(b)} lines")
    sys.exit(1)
print(f"identical output ({len(outs[0].splitlines())} lines)")
