// bench/gpu/init_bench.cu: random initialization of gpu tensors (kiln::init::Xavier uniform and
// kiln::init::Normal(0.01) applied to a gpu tensor view: one fused expression, one kernel) against
// the GPU's own copy bandwidth. Built and run by bench/gpu/check; needs a GPU.
//
// Bandwidth convention: a copy moves 2 bytes per byte copied (read + write) and is reported as
// (read + written bytes) / time; a fill writes only and is reported as written bytes / time. "% of
// copy" compares the two rates: how close the fill comes to the memory system's measured throughput.
//
//   @gpu <name>|<SMs>|<cc>
//   @copy memcpy|kernel <GB/s>        device-to-device copy of 512M floats (2 GiB)
//   @fill memset <GB/s>               cudaMemset of the same buffer (write-only reference)
//   @init xavier_uniform|normal <elements> <GB/s> <ms per call>
//   @check <what> ok|FAIL [detail]
//
// Usage: init_bench [--quick]      (--quick: 64M elements instead of 512M)
#include <kiln/gpu/elements.hpp>  // gpu_exec::column_node
#include <kiln/init.hpp>

#include <cuda_runtime_api.h>
#include <nvtx3/nvToolsExt.h>

#include "timing.cuh"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using bench_gpu::cuda_ok;
using bench_gpu::time_ms;

bool g_failed = false;

__global__ void copy_kernel(const float4* __restrict__ src, float4* __restrict__ dst, std::size_t n4) {
    for (std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n4;
         i += std::size_t(gridDim.x) * blockDim.x)
        dst[i] = src[i];
}

// Diagnostic: the draws of node e for n elements, 4 per thread as the fill kernel, without storing
// them (a sum that is never 12345 keeps them alive): the compute-only time of a fill.
template <class Node>
__global__ void draws_only_kernel(Node e, std::size_t n, float* sink) {
    const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
    float acc = 0;
    if constexpr (kiln::gpu_exec::column_node<Node>) {  // as column_kernel: 16 elements per thread
        const std::size_t columns = n / 16;
        for (std::size_t q = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; q < columns; q += stride) {
            float v[16];
            e.column(q, v);
            for (int j = 0; j < 16; ++j) acc += v[j];
        }
        if (acc == 12345.0f) *sink = acc;
        return;
    }
    const std::size_t groups = n / 4;
    for (std::size_t g = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x; g < groups; g += stride) {
        const std::size_t i = g << 2;
        if constexpr (requires(float (&v)[4]) { e.quad(i, v); }) {  // as grouped_kernel
            float v[4];
            e.quad(i, v);
            acc += v[0] + v[1] + v[2] + v[3];
        } else {
            acc += e.at(i) + e.at(i | 1) + e.at(i | 2) + e.at(i | 3);
        }
    }
    if (acc == 12345.0f) *sink = acc;
}

void check(bool ok, const std::string& what, const std::string& detail = "") {
    std::printf("@check %s %s%s%s\n", what.c_str(), ok ? "ok" : "FAIL", detail.empty() ? "" : " ", detail.c_str());
    if (!ok) g_failed = true;
}

// Mean and standard deviation of every stride-th element; min and max of all of them.
struct stats {
    double mean = 0, sd = 0, lo = INFINITY, hi = -INFINITY;
};
stats summarize(const std::vector<float>& v, std::size_t stride) {
    stats s;
    double sum = 0, sq = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < v.size(); i += stride, ++n) {
        sum += v[i];
        sq += double(v[i]) * v[i];
    }
    for (float f : v) s.lo = std::min(s.lo, double(f)), s.hi = std::max(s.hi, double(f));
    s.mean = sum / double(n);
    s.sd = std::sqrt(std::max(0.0, sq / double(n) - s.mean * s.mean));
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        std::printf("no GPU: nothing measured\n");
        return 77;
    }
    cudaDeviceProp prop{};
    cuda_ok(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("@gpu %s|%d|%d.%d\n", prop.name, prop.multiProcessorCount, prop.major, prop.minor);

    using kiln::gpu;
    const std::size_t big = quick ? (std::size_t(64) << 20) : (std::size_t(512) << 20);  // 512M = 2^29
    const double target = quick ? 30.0 : 150.0;

    // ---------------------------------------------------------------- copy bandwidth (the reference)
    double copy_ref = 0;
    {
        float *src = nullptr, *dst = nullptr;
        const std::size_t bytes = big * sizeof(float);
        cuda_ok(cudaMalloc(&src, bytes), "cudaMalloc (copy source)");
        cuda_ok(cudaMalloc(&dst, bytes), "cudaMalloc (copy destination)");
        cuda_ok(cudaMemset(src, 0, bytes), "cudaMemset");
        const double ms_memcpy =
            time_ms([&] { cuda_ok(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync"); },
                    target);
        const unsigned blocks = unsigned(prop.multiProcessorCount) * 8;
        const double ms_kernel = time_ms(
            [&] {
                copy_kernel<<<blocks, 256>>>(reinterpret_cast<const float4*>(src), reinterpret_cast<float4*>(dst),
                                             big / 4);
                cuda_ok(cudaGetLastError(), "copy_kernel launch");
            },
            target);
        const double ms_memset = time_ms([&] { cuda_ok(cudaMemsetAsync(dst, 0, bytes), "cudaMemsetAsync"); }, target);
        const double gb_memcpy = 2.0 * double(bytes) / (ms_memcpy * 1e6);
        const double gb_kernel = 2.0 * double(bytes) / (ms_kernel * 1e6);
        const double gb_memset = double(bytes) / (ms_memset * 1e6);
        copy_ref = std::max(gb_memcpy, gb_kernel);
        std::printf("device-to-device copy of %zu floats (%.2f GiB), read + written bytes / time:\n", big,
                    double(bytes) / (1u << 30));
        std::printf("  cudaMemcpy D2D  %8.1f GB/s\n  copy kernel     %8.1f GB/s\n", gb_memcpy, gb_kernel);
        std::printf("  cudaMemset      %8.1f GB/s (written bytes / time)\n", gb_memset);
        std::printf("@copy memcpy %.1f\n@copy kernel %.1f\n@fill memset %.1f\n", gb_memcpy, gb_kernel, gb_memset);
        cudaFree(src);
        cudaFree(dst);
    }

    // ---------------------------------------------------------------- init fills
    std::printf("\nrandom init of a gpu tensor view (one fused kernel), written bytes / time:\n");
    const auto desc = kiln::init::make_desc("w");
    const kiln::init::Xavier xavier{};
    const kiln::init::Normal normal{0.01};
    for (std::size_t n : {std::size_t(512) * 512 * 3 * 3, big}) {
        const bool small = n < big;
        // (512, 512, 3, 3), or (512, 512, n / 2^18): Xavier's fans are computed from the real shape
        auto t = kiln::zeros<float>(kiln::shape(std::size_t(512), std::size_t(512), small ? 3 : n / (512 * 512),
                                                small ? 3 : std::size_t(1)),
                                    gpu(0));
        {
            // one call in an NVTX range, for a profiler: ncu --nvtx --nvtx-include "init_xavier_N/"
            const std::string range = "init_xavier_" + std::to_string(n);
            nvtxRangePushA(range.c_str());
            xavier(desc, t.view());
            nvtxRangePop();
        }
        const double ms_x = time_ms([&] { xavier(desc, t.view()); }, target);
        const double scale = xavier.scale(t.shape());
        {
            const std::vector<float> v = t.to_vector();
            const stats s = summarize(v, small ? 1 : 97);
            const double sd_want = scale / std::sqrt(3.0);
            const bool ok = s.lo >= -scale && s.hi < scale && std::fabs(s.mean) < 0.01 * scale &&
                            std::fabs(s.sd / sd_want - 1) < 0.01;
            char d[160];
            std::snprintf(d, sizeof d, "n=%zu range [%.4g, %.4g) want [-%.4g, %.4g), mean %.3g, sd %.4g want %.4g", n,
                          s.lo, s.hi, scale, scale, s.mean, s.sd, sd_want);
            check(ok, "init_xavier_values", d);
            if (small) {  // the same key on the cpu: bit-identical (docs/random.md)
                auto c = kiln::zeros<float>(t.shape(), kiln::cpu(0));
                xavier(desc, c.view());
                check(c.to_vector() == v, "init_xavier_matches_cpu_bitwise");
            }
        }
        const double ms_n = time_ms([&] { normal(desc, t.view()); }, target);
        {
            const std::vector<float> v = t.to_vector();
            const stats s = summarize(v, small ? 1 : 97);
            const bool ok = std::fabs(s.mean) < 1e-4 && std::fabs(s.sd / 0.01 - 1) < 0.01;
            char d[120];
            std::snprintf(d, sizeof d, "n=%zu mean %.3g sd %.5g want 0.01", n, s.mean, s.sd);
            check(ok, "init_normal_values", d);
            if (small) {
                auto c = kiln::zeros<float>(t.shape(), kiln::cpu(0));
                normal(desc, c.view());
                check(c.to_vector() == v, "init_normal_matches_cpu_bitwise");
            }
        }
        const double bytes = double(n) * sizeof(float);
        const double gx = bytes / (ms_x * 1e6), gn = bytes / (ms_n * 1e6);
        std::printf("  %11zu elements: Xavier uniform %8.1f GB/s (%5.1f%% of copy), Normal(0.01) %8.1f GB/s "
                    "(%5.1f%%)\n",
                    n, gx, 100 * gx / copy_ref, gn, 100 * gn / copy_ref);
        std::printf("@init xavier_uniform %zu %.1f %.5f\n@init normal %zu %.1f %.5f\n", n, gx, ms_x, n, gn, ms_n);
    }
    {
        // Where a fill's time goes: the same draws with no stores, as written bytes / time.
        float* sink = nullptr;
        cuda_ok(cudaMalloc(&sink, sizeof(float)), "cudaMalloc (sink)");
        const kiln::random::key k = kiln::random::key_for("w");
        // the fill kernel's grid (kiln/gpu/grouped_kernel.hpp)
        const unsigned blocks = kiln::gpu_detail::kernel_blocks(big / 4), threads = kiln::gpu_detail::kernel_threads;
        const unsigned column_blocks = kiln::gpu_detail::kernel_blocks(big / 16);  // the uniform's (column_kernel)
        const kiln::node::uniform_random<float> un{k, -0.07f, 0.07f};
        const kiln::node::normal_random<float> nn{k, 0.0f, 0.01f};
        const double ms_u = time_ms(
            [&] {
                draws_only_kernel<<<column_blocks, threads>>>(un, big, sink);
                cuda_ok(cudaGetLastError(), "draws_only_kernel launch");
            },
            target);
        const double ms_nn = time_ms(
            [&] {
                draws_only_kernel<<<blocks, threads>>>(nn, big, sink);
                cuda_ok(cudaGetLastError(), "draws_only_kernel launch");
            },
            target);
        const double bytes = double(big) * sizeof(float);
        std::printf("draws without stores (compute only), %zu elements: uniform %8.1f GB/s, normal %8.1f GB/s\n", big,
                    bytes / (ms_u * 1e6), bytes / (ms_nn * 1e6));
        std::printf("@draws uniform %zu %.1f\n@draws normal %zu %.1f\n", big, bytes / (ms_u * 1e6), big,
                    bytes / (ms_nn * 1e6));
        cudaFree(sink);
    }
    std::printf("@check init_bench %s\n", g_failed ? "FAIL" : "ok");
    return g_failed ? 1 : 0;
}
