// bench/gpu/timing.cuh: what conv_bench.cu and init_bench.cu share: a checked CUDA call that ends
// the program on error (printed as an "@check cuda FAIL" line for bench/gpu/check), and the timing
// of a call with CUDA events.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace bench_gpu {

inline void cuda_ok(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::printf("@check cuda FAIL %s: %s: %s\n", what, cudaGetErrorName(e), cudaGetErrorString(e));
        std::fflush(stdout);
        std::exit(2);  // a sticky error poisons the context: nothing after it would mean anything
    }
}

// Median over 3 repetitions of the mean time per call (ms); each repetition runs enough calls to
// last about target_ms.
template <class F>
double time_ms(F&& call, double target_ms) {
    cudaEvent_t a, b;
    cuda_ok(cudaEventCreate(&a), "cudaEventCreate");
    cuda_ok(cudaEventCreate(&b), "cudaEventCreate");
    call();
    cuda_ok(cudaDeviceSynchronize(), "warm-up");
    cuda_ok(cudaEventRecord(a), "cudaEventRecord");
    call();
    cuda_ok(cudaEventRecord(b), "cudaEventRecord");
    cuda_ok(cudaEventSynchronize(b), "cudaEventSynchronize");
    float one = 0;
    cuda_ok(cudaEventElapsedTime(&one, a, b), "cudaEventElapsedTime");
    const int iters = std::clamp(int(target_ms / std::max(one, 1e-3f)), 3, 2000);
    std::vector<double> reps;
    for (int rep = 0; rep < 3; ++rep) {
        cuda_ok(cudaEventRecord(a), "cudaEventRecord");
        for (int i = 0; i < iters; ++i) call();
        cuda_ok(cudaEventRecord(b), "cudaEventRecord");
        cuda_ok(cudaEventSynchronize(b), "cudaEventSynchronize");
        float ms = 0;
        cuda_ok(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
        reps.push_back(double(ms) / iters);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(reps.begin(), reps.end());
    return reps[1];
}

}  // namespace bench_gpu
