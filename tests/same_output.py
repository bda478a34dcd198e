#!/usr/bin/env python3
"""same_output.py PROG_A PROG_B: runs both programs; fails unless both exit 0 with identical stdout."""
import subprocess
import sys

outs = []
for prog in sys.argv[1:3]:
    r = subprocess.run([prog], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{prog} exited {r.returncode}\n{r.stderr[-2000:]}")
        sys.exit(1)
    outs.append(r.stdout)
if outs[0] != outs[1]:
    a, b = outs[0].splitlines(), outs[1].splitlines()
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f"first difference at line {i + 1}:\n  {sys.argv[1]}: {x}\n  {sys.argv[2]}: {y}")
            break
    else:
        print(f"outputs differ in length: {len(a)} vs {len(b)} lines")
    sys.exit(1)
print(f"identical output ({len(outs[0].splitlines())} lines)")
