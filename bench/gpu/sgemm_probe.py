#!/usr/bin/env python3
"""bench/gpu/sgemm_probe.py: the FP32 ceilings around kiln's Conv2D on the GPU, through PyTorch (TF32
off): cuBLAS SGEMM of the GEMMs that S3 and S2 at N=32 are, cuDNN's S3 conv, and im2col (unfold)
followed by a batched SGEMM. Not part of bench/gpu/check; run it by hand on a GPU machine:
python3 bench/gpu/sgemm_probe.py   (figures in docs/performance.md, GPU section)."""
import torch, time
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
dev = 'cuda'
def t(fn, it=50):
    for _ in range(3): fn()
    torch.cuda.synchronize()
    a = torch.cuda.Event(enable_timing=True); b = torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(it): fn()
    b.record(); b.synchronize()
    return a.elapsed_time(b) / it
M, K, N = 512, 4608, 6272  # S3 N=32 as a GEMM
A = torch.randn(M, K, device=dev); B = torch.randn(K, N, device=dev)
ms = t(lambda: A @ B); print(f"sgemm {M}x{K}x{N}: {2*M*N*K/ms/1e9:.1f} TFLOP/s ({ms:.3f} ms)")
Bt = B.t().contiguous()
ms = t(lambda: A @ Bt.t()); print(f"sgemm B^T: {2*M*N*K/ms/1e9:.1f} TFLOP/s")
x = torch.randn(32, 512, 14, 14, device=dev); w = torch.randn(512, 512, 3, 3, device=dev)
F = torch.nn.functional
ms = t(lambda: F.conv2d(x, w, padding=1)); print(f"cudnn conv S3 N=32: {2*M*N*K/ms/1e9:.1f} TFLOP/s")
ms = t(lambda: F.unfold(x, 3, padding=1)); print(f"unfold (im2col) S3 N=32: {ms:.3f} ms")
cols = F.unfold(x, 3, padding=1)  # (32, 4608, 196)
wm = w.view(512, -1)
ms = t(lambda: wm @ cols); print(f"batched sgemm on im2col: {2*M*N*K/ms/1e9:.1f} TFLOP/s ({ms:.3f} ms)")
x2 = torch.randn(32, 64, 56, 56, device=dev); w2 = torch.randn(64, 64, 3, 3, device=dev)
M2, K2, N2 = 64, 576, 32*56*56
A2 = torch.randn(M2, K2, device=dev); B2 = torch.randn(K2, N2, device=dev)
ms = t(lambda: A2 @ B2); print(f"sgemm {M2}x{K2}x{N2} (S2 N=32 as a GEMM): {2*M2*N2*K2/ms/1e9:.1f} TFLOP/s")
