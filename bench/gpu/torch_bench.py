#!/usr/bin/env python3
"""bench/gpu/torch_bench.py: the PyTorch side of bench/gpu/check, on the same GPU.

Conv2D with torch.nn.functional.conv2d (cuDNN, FP32: TF32 disabled for cuDNN and matmul) at the
shapes of conv_bench.cu, with cudnn.benchmark off (cuDNN's heuristic choice, PyTorch's default) and
on (autotuned); torch.nn.init.xavier_uniform_ and torch.nn.init.normal_(0, 0.01) at 2.36M and 512M
elements. Lines starting with '@' are for the check script:

  @torch <version> | cudnn <version> | <device name>
  @torch_conv <shape> <N> <GFLOP/s heuristic> <GFLOP/s autotuned> <max rel err vs float64>
  @torch_init xavier_uniform|normal <elements> <GB/s>      written bytes / time
  @torch_skip <reason>                                     PyTorch cannot run here: nothing else printed

Usage: torch_bench.py [--quick]
"""
import sys


def main():
    quick = "--quick" in sys.argv[1:]
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001 - any import failure means "no PyTorch here"
        print(f"@torch_skip import torch failed: {type(e).__name__}: {e}")
        return 0
    if not torch.cuda.is_available():
        print(f"@torch_skip torch {torch.__version__} sees no CUDA device (CPU-only build, or no driver)")
        return 0

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda:0")
    print(f"@torch {torch.__version__} | cudnn {torch.backends.cudnn.version()} | {torch.cuda.get_device_name(0)}")
    target_ms = 20.0 if quick else 100.0

    def time_ms(fn):
        """Median over 3 repetitions of the mean time per call, each about target_ms long."""
        fn()
        fn()
        torch.cuda.synchronize()
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        one = max(a.elapsed_time(b), 1e-3)
        iters = min(max(int(target_ms / one), 3), 2000)
        reps = []
        for _ in range(3):
            a.record()
            for _ in range(iters):
                fn()
            b.record()
            b.synchronize()
            reps.append(a.elapsed_time(b) / iters)
        return sorted(reps)[1]

    gen = torch.Generator(device=dev)
    gen.manual_seed(1)
    with torch.no_grad():
        for name, C, HW, K in (("S2", 64, 56, 64), ("S3", 512, 14, 512), ("S4", 64, 56, 64)):
            for N in (1, 32):
                ws = 1.0 / (C * 9) ** 0.5
                x = torch.empty(N, C, HW, HW, device=dev).uniform_(-1, 1, generator=gen)
                w = torch.empty(K, C, 3, 3, device=dev).uniform_(-ws, ws, generator=gen)
                bias = torch.empty(K, device=dev).uniform_(-0.5, 0.5, generator=gen)
                flops = 2.0 * N * K * C * 9 * HW * HW
                torch.backends.cudnn.benchmark = False
                ms_h = time_ms(lambda: F.conv2d(x, w, bias, padding=1))
                y = F.conv2d(x, w, bias, padding=1)
                torch.backends.cudnn.benchmark = True
                ms_b = time_ms(lambda: F.conv2d(x, w, bias, padding=1))
                torch.backends.cudnn.benchmark = False
                y64 = F.conv2d(x.double(), w.double(), bias.double(), padding=1)
                err = ((y.double() - y64).abs() / y64.abs().clamp(min=1.0)).max().item()
                print(f"@torch_conv {name} {N} {flops / (ms_h * 1e6):.1f} {flops / (ms_b * 1e6):.1f} {err:.3g}")
                sys.stdout.flush()
                del x, w, bias, y, y64

        big = (64 if quick else 512) << 20
        for n in (512 * 512 * 9, big):
            t = torch.empty((512, 512, 3, 3) if n < big else (512, 512, n // (512 * 512), 1), device=dev)
            ms_x = time_ms(lambda: torch.nn.init.xavier_uniform_(t))
            ms_n = time_ms(lambda: torch.nn.init.normal_(t, 0.0, 0.01))
            gb = n * 4 / 1e6
            print(f"@torch_init xavier_uniform {n} {gb / ms_x:.1f}")
            print(f"@torch_init normal {n} {gb / ms_n:.1f}")
            sys.stdout.flush()
            del t
    return 0


if __name__ == "__main__":
    sys.exit(main())
