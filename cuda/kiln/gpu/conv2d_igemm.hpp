// kiln/gpu/conv2d_igemm.hpp: Conv2D forward (NCHW) as an implicit GEMM, the gpu tag's kernel under
// CUDA. Per group g the convolution is the matrix product
//
//     Y_g[m, col] = sum_kk  A_g[m, kk] * B_g[kk, col]          (+ bias[g*Kg + m])
//
//     m   in [0, Kg)        output channel within the group               (GEMM M = K / groups)
//     col in [0, N*P*Q)     (image n, output row oh, output column ow)     (GEMM N)
//     kk  in [0, Cg*R*S)    (input channel c, kernel row r, kernel col s)  (GEMM K)
//     A_g[m, kk]   = w[(g*Kg + m)*Cg*R*S + kk]                  (the weight tensor as it is stored)
//     B_g[kk, col] = x[n, g*Cg + c, oh*stride_h - pad_h + r*dil_h, ow*stride_w - pad_w + s*dil_w], 0 outside
//
// B (im2col) is never materialised: each thread computes the input addresses of the elements it loads.
//
// One thread block computes a BM x BN tile of Y_g, stepping through kk BK = 8 at a time: every step
// the block's 256 threads copy an A tile (BM x BK) and a B tile (BK x BN) from global memory into
// shared memory, then each thread (FFMA path) multiplies the tiles into its own TM x TN register
// tile. Shared memory is double buffered: the global loads of step i+1 are issued before the math of
// step i and written to the other buffer after it, so there is one __syncthreads per step.
// Split-K (blockIdx.z also selects a slice of kk) writes partial tiles to a workspace that a second
// kernel sums in a fixed order, so results are deterministic run to run.
//
// The opt-in TF32 path (kiln::gpu_set_allow_tf32(true), float only, sm_80+) shares the loads and the
// shared-memory layout and replaces the per-thread math by WMMA m16n16k8 tensor-core fragments.
//
// Everything up to the "CUDA only" line is plain C++ that also compiles with a host compiler: the
// block program (run_block) is written against an "executor" that provides threads()/math()/sync().
// On the GPU it is one thread's view with __syncthreads; bench/gpu/igemm_emulate.cpp provides a host
// executor that runs every thread of a block phase by phase (checking shared-memory races and the
// alignment of vector loads) and compares the result with conv2d_reference. The index math the GPU
// runs is therefore the index math that was tested on the host.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include <kiln/config.hpp>
#include <kiln/nn/conv2d_kernels.hpp>

#if defined(__CUDACC__)
#define KILN_IG_INLINE __forceinline__
#else
#define KILN_IG_INLINE inline
#endif
#if defined(__CUDA_ARCH__)  // device pass only: the host compiler would warn about an unknown pragma
#define KILN_IG_UNROLL _Pragma("unroll")
#else
#define KILN_IG_UNROLL
#endif

// The WMMA tf32 types exist in nvcc's host pass and in device passes for sm_80 and newer.
#if defined(__CUDACC__) && (!defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800)
#define KILN_IG_TF32_ARCH 1
#else
#define KILN_IG_TF32_ARCH 0
#endif

namespace kiln::gpu_exec::igemm {

// ------------------------------------------------------------------------------------------------
// Division by a divisor fixed at launch: q = (umulhi(n, mul) + n) >> shift, exact for n < 2^31 and
// 1 <= d <= 2^31 (Granlund & Montgomery 1994, "Division by invariant integers using
// multiplication", with l = ceil(log2 d) and mul = floor(2^32 (2^l - d) / d) + 1; n < 2^31 keeps the
// sum inside 32 bits). Tested exhaustively for small n and on edge values in igemm_emulate.cpp.
struct fast_divmod {
    std::uint32_t d, mul, shift;

    static fast_divmod make(std::uint32_t divisor) {
        std::uint32_t l = 0;
        while ((std::uint64_t(1) << l) < divisor) ++l;
        const std::uint64_t m = ((std::uint64_t(1) << 32) * ((std::uint64_t(1) << l) - divisor)) / divisor + 1;
        return fast_divmod{divisor, static_cast<std::uint32_t>(m), l};
    }
    KILN_HD KILN_IG_INLINE std::uint32_t div(std::uint32_t n) const {
#if defined(__CUDA_ARCH__)
        const std::uint32_t t = __umulhi(n, mul);
#else
        const std::uint32_t t = static_cast<std::uint32_t>((std::uint64_t(n) * mul) >> 32);
#endif
        return (t + n) >> shift;
    }
    // n = q*d + r
    KILN_HD KILN_IG_INLINE void divmod(std::uint32_t n, std::uint32_t& q, std::uint32_t& r) const {
        q = div(n);
        r = n - q * d;
    }
};

// ------------------------------------------------------------------------------------------------
// The problem as 32-bit integers (fits_int32 says when that is exact) plus the split-K slicing.
struct conv_geometry {
    int C, H, W, K, R, S, P, Q;
    int stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
    int groups, Cg, Kg;
    int RS, CRS, HW, PQ, Ngemm;  // GEMM K = CRS (per group), GEMM N = Ngemm = N*P*Q
    int splits, k_chunk;         // slice z covers kk in [z*k_chunk, min(CRS, (z+1)*k_chunk)); k_chunk % 8 == 0
    fast_divmod div_RS, div_S, div_PQ, div_Q;
    fast_divmod div_Cg;  // the channel-inner K order's kk -> (r*S + s, c)
};

// Every index the kernels form in 32 bits stays below 2^31; w, y and workspace offsets are 64-bit.
// The 32-bit quantities: kk < CRS + 8; input offsets (x has fewer than 2^30 elements; a column's
// base offset adds at most (H + 2*pad_h + 1)*(W + 2*pad_w + 1) < 2^30 to an in-range offset); the
// per-step offset c*HW + r*dil_h*W + s*dil_w (each term below 2^30, r*dil_h < H + 2*pad_h by
// validate()); input positions oh*stride_h - pad_h + r*dil_h; the GEMM column col < N*P*Q + BN;
// fast_divmod dividends below 2^31. Larger problems, and C == 0, take the Thrust path.
inline bool fits_int32(const nn::kernels::conv2d_params& p) {
    constexpr std::size_t lim = std::size_t(1) << 30;
    const std::size_t Cg = p.C / p.groups, Kg = p.K / p.groups;
    const std::size_t P = p.P(), Q = p.Q();
    for (std::size_t v : {p.C, p.H, p.W, p.K, p.R, p.S, P, Q, p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dil_h,
                          p.dil_w, p.groups, Kg})
        if (v >= lim) return false;
    const auto small = [&](std::size_t a, std::size_t b) { return a == 0 || b < lim / a; };  // a*b < lim
    if (Cg == 0 || Kg == 0 || Kg > 65535u * 64) return false;  // empty GEMM K (bias only); gridDim.y
    return p.x_size() < lim && p.H * p.W < lim && small(Cg, p.H * p.W) &&
           small(p.H + 2 * p.pad_h + 1, p.W + 2 * p.pad_w + 1) && p.R * p.S < lim && small(Cg, p.R * p.S) &&
           P * Q < lim && small(p.N, P * Q) && small(P, p.stride_h) && small(Q, p.stride_w) &&
           small(p.R, p.dil_h) && small(p.S, p.dil_w) && p.groups <= 65535;
}

inline conv_geometry make_geometry(const nn::kernels::conv2d_params& p, int splits, int k_chunk) {
    const auto i = [](std::size_t v) { return static_cast<int>(v); };
    conv_geometry g{};
    g.C = i(p.C), g.H = i(p.H), g.W = i(p.W), g.K = i(p.K), g.R = i(p.R), g.S = i(p.S);
    g.P = i(p.P()), g.Q = i(p.Q());
    g.stride_h = i(p.stride_h), g.stride_w = i(p.stride_w), g.pad_h = i(p.pad_h), g.pad_w = i(p.pad_w);
    g.dil_h = i(p.dil_h), g.dil_w = i(p.dil_w);
    g.groups = i(p.groups), g.Cg = i(p.C / p.groups), g.Kg = i(p.K / p.groups);
    g.RS = g.R * g.S, g.CRS = g.Cg * g.RS, g.HW = g.H * g.W, g.PQ = g.P * g.Q, g.Ngemm = i(p.N) * g.PQ;
    g.splits = splits, g.k_chunk = k_chunk;
    g.div_RS = fast_divmod::make(std::uint32_t(g.RS));
    g.div_S = fast_divmod::make(std::uint32_t(g.S));
    g.div_PQ = fast_divmod::make(std::uint32_t(g.PQ));
    g.div_Q = fast_divmod::make(std::uint32_t(g.Q));
    g.div_Cg = fast_divmod::make(std::uint32_t(std::max(g.Cg, 1)));
    return g;
}

// The channel-inner K order (tile_config's CI_) needs every step of BK kk values inside one kernel
// tap: Cg a multiple of BK (so CRS is one too, and every K slice of a multiple of BK starts on a tap).
inline bool channel_inner_ok(const conv_geometry& g, int bk) { return g.Cg > 0 && g.Cg % bk == 0; }

// Element e of the reordered weights wr (rows of K, each (R, S, Cg)) is w's element at the returned
// index (rows of K, each (Cg, R, S)): wr[row*CRS + rs*Cg + c] = w[row*CRS + c*RS + rs].
KILN_HD KILN_IG_INLINE long long ci_weight_source(const conv_geometry& g, long long e) {
    const long long row = e / g.CRS;
    std::uint32_t rs, c;
    g.div_Cg.divmod(std::uint32_t(e - row * g.CRS), rs, c);
    return row * g.CRS + (long long)c * g.RS + rs;
}

// The reordered weights on the host (the emulation; the GPU has launch_reorder_weights_ci).
template <class T>
void reorder_weights_ci_host(const conv_geometry& g, const T* w, T* wr) {
    const long long n = (long long)g.K * g.CRS;
    for (long long e = 0; e < n; ++e) wr[e] = w[ci_weight_source(g, e)];
}

template <class T>
struct igemm_args {
    const T* x;
    const T* w;
    const T* bias;  // may be null
    T* y;           // (N, K, P, Q), written when splits == 1
    T* ws;          // split-K partials (splits, K, Ngemm), written when splits > 1
    conv_geometry g;
};

// ------------------------------------------------------------------------------------------------
// Tile configurations. 256 threads; thread (ty, tx) = (tid / (BN/TN), tid % (BN/TN)) owns rows
// gi*ROW_STRIDE + ty*4 + {0..3} (gi < TM/4) and columns gj*COL_STRIDE + tx*4 + {0..3} (gj < TN/4),
// so its shared-memory reads are 4-element vectors and a warp reads 16 consecutive vectors of B.
// BK_ (kk per step) and MINB_ (the kernel's __launch_bounds__ minimum of resident blocks per SM,
// which caps its registers: 2 -> 128 per thread) are 8 and 2 for every configuration the planner
// uses; bench/gpu/conv_bench measures other values on the GPU (FFMA only: the TF32 step is one
// k = 8 fragment).
//
// CI_ selects the channel-inner K order (see channel_inner_ok below): kk = (r*S + s)*Cg + c instead
// of (c*R + r)*S + s, for groups of at least BK channels, Cg % BK == 0. A step's BK rows of B are then
// BK consecutive channels at one kernel tap: the loader decodes kk once per step (not once per row),
// checks a column's bounds once per tap (not per element) and steps the input offset by H*W per row.
// A is the weight tensor reordered to (K, R, S, Cg) (reorder_weights_ci), so its rows stay contiguous
// in kk. Bench only for now (bench/gpu/conv_bench's experiments); the planner does not pick it.
template <class T, int BM_, int BN_, int TM_, int TN_, int B_COLS_ = BN_ / 32, int BK_ = 8, int MINB_ = 2,
          bool CI_ = false>
struct tile_config {
    using value_type = T;
    static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
    static constexpr int MIN_BLOCKS = MINB_;
    static constexpr bool CHANNEL_INNER = CI_;
    static constexpr int TX = BN / TN, TY = BM / TM;  // thread grid of the math
    static constexpr int NT = TX * TY;                // threads per block
    static constexpr int ROW_STRIDE = 4 * TY, COL_STRIDE = 4 * TX;
    // global -> shared copies: A tile element (m, kk) by thread (m % ROWS_A)*BK + kk, so a warp reads
    // 4 weight rows x 8 consecutive kk. B tile element (kk, n) by thread (kk % B_KSTEP)*B_TPR +
    // n % B_TPR: each thread loads B_COLS columns x B_KROWS rows, a warp 32 consecutive columns. Fewer
    // columns per thread = fewer registers for the per-column input positions, more kk decodes.
    static constexpr int ROWS_A = NT / BK;  // A rows covered by one pass of the block
    static constexpr int A_LOADS = BM / ROWS_A;
    static constexpr int B_COLS = B_COLS_;
    static constexpr int B_TPR = BN / B_COLS;   // threads per B row
    static constexpr int B_KSTEP = NT / B_TPR;  // B rows covered by one pass
    static constexpr int B_KROWS = BK / B_KSTEP;
    // shared memory: As[stage][kk][m] (transposed, padded by 4: conflict-free stores, aligned vectors),
    // Bs[stage][kk][n]
    static constexpr int LDA = BM + 4, LDB = BN;
    static constexpr int A_STAGE = BK * LDA, B_STAGE = BK * LDB;
    static constexpr int B_BASE = 2 * A_STAGE;
    static constexpr int SMEM = 2 * A_STAGE + 2 * B_STAGE;

    static_assert(TM % 4 == 0 && TN % 4 == 0, "register tiles are made of 4-vectors");
    static_assert(NT == 256, "the loaders and the TF32 warp layout assume 256 threads");
    static_assert(BM % ROWS_A == 0 && BN % B_COLS == 0 && NT % B_TPR == 0 && BK % B_KSTEP == 0,
                  "tile copies must divide evenly");
    static_assert(B_TPR % 32 == 0, "a warp's B loads stay in one kk row (coalesced)");
    static_assert(BM % 32 == 0 && BN % 64 == 0, "TF32 warp layout: 2 x 4 warps of 16x16 fragments");
    static_assert((A_STAGE * sizeof(T)) % 32 == 0 && (B_STAGE * sizeof(T)) % 32 == 0,
                  "stage buffers stay 32-byte aligned (WMMA loads)");
};

// The configurations the planner picks from; `eff` is the guessed relative efficiency of the tile
// shape (smaller register tiles read shared memory more per FMA). Tune with bench/gpu/conv_bench.
struct config_info {
    int BM, BN;
    double eff;
    const char* name;
};
using cfg_f128x128 = tile_config<float, 128, 128, 8, 8, 2>;
using cfg_f64x128 = tile_config<float, 64, 128, 4, 8>;
using cfg_f128x64 = tile_config<float, 128, 64, 8, 4>;
using cfg_f64x64 = tile_config<float, 64, 64, 4, 4>;
using cfg_d64x64 = tile_config<double, 64, 64, 4, 4>;
inline constexpr config_info float_configs[] = {
    {128, 128, 1.0, "128x128"}, {64, 128, 0.9, "64x128"}, {128, 64, 0.9, "128x64"}, {64, 64, 0.7, "64x64"}};
inline constexpr config_info double_configs[] = {{64, 64, 1.0, "64x64"}};
inline constexpr int num_float_configs = 4, num_double_configs = 1;

// ------------------------------------------------------------------------------------------------
// Which tile, and how many K slices. Cost model: the busiest SM runs ceil(blocks / SMs) blocks of
// BM*BN*k_chunk FMAs at the tile's efficiency; split-K adds writing and re-reading the partials
// (one element of memory traffic ~ 28 FMAs per SM-share). Deliberately simple; the benchmark's sweep
// shows every alternative.
struct plan {
    int cfg = 0;
    int splits = 1;
    int k_chunk = 0;
    double cost = 0;
};

inline int ceil_div(long long a, long long b) { return static_cast<int>((a + b - 1) / b); }

inline plan make_plan(const conv_geometry& g, int cfg, int splits) {
    plan pl;
    pl.cfg = cfg;
    const int steps = ceil_div(g.CRS, 8);
    splits = std::clamp(splits, 1, steps);
    pl.k_chunk = ceil_div(steps, splits) * 8;
    pl.splits = ceil_div(g.CRS, pl.k_chunk);  // no empty slice
    return pl;
}

inline plan choose_plan(const conv_geometry& g, const config_info* cfgs, int ncfg, int sms) {
    static constexpr int split_options[] = {1, 2, 3, 4, 6, 8, 12, 16};
    plan best;
    best.cost = std::numeric_limits<double>::infinity();
    const double outputs = double(g.Kg) * g.groups * double(g.Ngemm);
    for (int c = 0; c < ncfg; ++c) {
        const long long tiles = (long long)ceil_div(g.Kg, cfgs[c].BM) * ceil_div(g.Ngemm, cfgs[c].BN) * g.groups;
        for (int s : split_options) {
            plan pl = make_plan(g, c, s);
            if (pl.splits != s) continue;                       // rounding made it another option
            if (s > 1 && pl.k_chunk < 16 * 8) continue;         // at least 16 steps per slice
            if ((long long)g.groups * pl.splits > 65535) continue;  // gridDim.z
            const long long blocks = tiles * pl.splits;
            const double per_sm = double((blocks + sms - 1) / sms);
            pl.cost = per_sm * cfgs[c].BM * cfgs[c].BN * double(pl.k_chunk) / cfgs[c].eff;
            if (pl.splits > 1) pl.cost += (2.0 * pl.splits + 1.0) * outputs * 28.0 / sms;
            if (pl.cost < best.cost) best = pl;
        }
    }
    return best;
}

// ------------------------------------------------------------------------------------------------
// The block program. T is float or double; fused multiply-add with one rounding everywhere.
KILN_HD KILN_IG_INLINE float madd(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return __fmaf_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}
KILN_HD KILN_IG_INLINE double madd(double a, double b, double c) {
#if defined(__CUDA_ARCH__)
    return __fma_rn(a, b, c);
#else
    return std::fma(a, b, c);
#endif
}

// The launch grid: x over GEMM column tiles, y over output-channel tiles, z over (group, K slice).
struct grid_size {
    unsigned x, y, z;
};
template <class Cfg>
inline grid_size grid_dims(const conv_geometry& g) {
    return grid_size{unsigned(ceil_div(g.Ngemm, Cfg::BN)), unsigned(ceil_div(g.Kg, Cfg::BM)),
                     unsigned(g.groups * g.splits)};
}

// Where one block works: output rows [m0, m0+BM) of group g, columns [n0, n0+BN), kk in [k_begin, k_end).
struct block_coords {
    int m0, n0, g, split, k_begin, k_end;
};

template <int BM, int BN>
KILN_HD KILN_IG_INLINE block_coords make_block(const conv_geometry& g, unsigned bx, unsigned by, unsigned bz) {
    block_coords b;
    b.n0 = static_cast<int>(bx) * BN;
    b.m0 = static_cast<int>(by) * BM;
    b.g = static_cast<int>(bz) / g.splits;
    b.split = static_cast<int>(bz) % g.splits;
    b.k_begin = b.split * g.k_chunk;
    b.k_end = g.CRS - b.k_begin < g.k_chunk ? g.CRS : b.k_begin + g.k_chunk;
    return b;
}

// Global -> registers -> shared memory, per thread. The A side reads weight rows (contiguous in kk);
// the B side computes input addresses: per column once (image, oh, ow -> base offset and the
// top-left input position), per step one kk decode (c, r, s) shared by the thread's columns.
template <class Cfg>
struct loader {
    using T = typename Cfg::value_type;
    T a_reg[Cfg::A_LOADS];
    T b_reg[Cfg::B_KROWS][Cfg::B_COLS];
    const T* a_src;     // w at (row g*Kg + m0 + a_row, column a_kk); row j adds j*ROWS_A rows
    unsigned a_valid;   // bit j: row a_row + j*ROWS_A < Kg - m0
    int a_row, a_kk;
    int b_kk, b_lane;         // rows b_kk + r*B_KSTEP, columns b_lane + j*B_TPR
    int b_off[Cfg::B_COLS];   // x offset of (image, group's first channel, ih0, iw0); may be negative
    int b_ih0[Cfg::B_COLS], b_iw0[Cfg::B_COLS];  // top-left input position; far negative: no column
    // channel-inner order only: the kernel tap (r*S + s) the next two are for, the x offset of each
    // column's input at that tap in the group's first channel (0 for a column outside the image),
    // and which columns are inside the image
    int b_tap = -1;
    int b_base[Cfg::B_COLS];
    unsigned b_in = 0;

    template <class Args>
    KILN_HD KILN_IG_INLINE void setup(const Args& a, const block_coords& b, int tid) {
        const conv_geometry& g = a.g;
        a_kk = tid % Cfg::BK;
        a_row = tid / Cfg::BK;
        a_valid = 0;
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::A_LOADS; ++j)
            if (a_row + j * Cfg::ROWS_A < g.Kg - b.m0) a_valid |= 1u << j;
        a_src = a.w;
        if (a_valid) a_src = a.w + (long long)(b.g * g.Kg + b.m0 + a_row) * g.CRS + a_kk;

        b_kk = tid / Cfg::B_TPR;
        b_lane = tid % Cfg::B_TPR;
        b_tap = -1;
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::B_COLS; ++j) {
            const int col = b.n0 + b_lane + j * Cfg::B_TPR;
            b_off[j] = 0;
            b_ih0[j] = b_iw0[j] = -(1 << 30);  // every bounds check fails
            if (col < g.Ngemm) {
                std::uint32_t img, pq, oh, ow;
                g.div_PQ.divmod(std::uint32_t(col), img, pq);
                g.div_Q.divmod(pq, oh, ow);
                b_ih0[j] = int(oh) * g.stride_h - g.pad_h;
                b_iw0[j] = int(ow) * g.stride_w - g.pad_w;
                b_off[j] = (int(img) * g.C + b.g * g.Cg) * g.HW + b_ih0[j] * g.W + b_iw0[j];
            }
        }
    }

    // channel-inner order: b_base and b_in for kernel tap `tap` (= r*S + s)
    KILN_HD KILN_IG_INLINE void retarget(const conv_geometry& g, int tap) {
        std::uint32_t kr, ks;
        g.div_S.divmod(std::uint32_t(tap), kr, ks);
        const int rd = int(kr) * g.dil_h, sd = int(ks) * g.dil_w;
        b_in = 0;
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::B_COLS; ++j) {
            const int ih = b_ih0[j] + rd, iw = b_iw0[j] + sd;
            const bool in = unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W);
            if (in) b_in |= 1u << j;
            // outside the image: the image's first element (plus the step's channel offset in load)
            b_base[j] = in ? b_off[j] + rd * g.W + sd : 0;
        }
        b_tap = tap;
    }

    // Registers <- the tiles at kk0 (zero outside the matrices and outside [k_begin, k_end)).
    template <class Args>
    KILN_HD KILN_IG_INLINE void load(const Args& a, const block_coords& b, int kk0) {
        const conv_geometry& g = a.g;
        const int ka = kk0 + a_kk;
        // A: weight rows, contiguous in kk (in the channel-inner order, the reordered weights). That
        // order's steps are all whole (channel_inner_ok: CRS and every K slice are multiples of BK),
        // so it checks no kk bound.
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::A_LOADS; ++j)
            a_reg[j] = ((Cfg::CHANNEL_INNER || ka < b.k_end) && ((a_valid >> j) & 1u))
                           ? a_src[(long long)j * Cfg::ROWS_A * g.CRS + kk0]
                           : T(0);
        if constexpr (Cfg::CHANNEL_INNER) {
            // B: the step is channels c0 .. c0 + BK - 1 at one kernel tap. A column outside the image
            // reads x at its channel offset alone (a valid address) and keeps 0: the loads need no
            // predicate and no address of their own per column and row.
            std::uint32_t tap, c0;
            g.div_Cg.divmod(std::uint32_t(kk0), tap, c0);
            if (int(tap) != b_tap) retarget(g, int(tap));
            const T* xs = a.x + (int(c0) + b_kk) * g.HW;
            KILN_IG_UNROLL
            for (int r = 0; r < Cfg::B_KROWS; ++r) {
                KILN_IG_UNROLL
                for (int j = 0; j < Cfg::B_COLS; ++j) {
                    const T v = xs[b_base[j]];
                    b_reg[r][j] = ((b_in >> j) & 1u) ? v : T(0);
                }
                xs += Cfg::B_KSTEP * g.HW;
            }
        } else {
            load_b_decoded(a, b, kk0);
        }
    }

    // B for the default K order: each row's kk decoded to (c, r, s), each element bounds-checked.
    template <class Args>
    KILN_HD KILN_IG_INLINE void load_b_decoded(const Args& a, const block_coords& b, int kk0) {
        const conv_geometry& g = a.g;
        KILN_IG_UNROLL
        for (int r = 0; r < Cfg::B_KROWS; ++r) {
            const int kb = kk0 + b_kk + r * Cfg::B_KSTEP;
            if (kb < b.k_end) {
                std::uint32_t c, rs, kr, ks;
                g.div_RS.divmod(std::uint32_t(kb), c, rs);
                g.div_S.divmod(rs, kr, ks);
                const int rd = int(kr) * g.dil_h, sd = int(ks) * g.dil_w;
                const int koff = int(c) * g.HW + rd * g.W + sd;
                KILN_IG_UNROLL
                for (int j = 0; j < Cfg::B_COLS; ++j) {
                    const int ih = b_ih0[j] + rd, iw = b_iw0[j] + sd;
                    b_reg[r][j] = (unsigned(ih) < unsigned(g.H) && unsigned(iw) < unsigned(g.W))
                                      ? a.x[b_off[j] + koff]
                                      : T(0);
                }
            } else {
                KILN_IG_UNROLL
                for (int j = 0; j < Cfg::B_COLS; ++j) b_reg[r][j] = T(0);
            }
        }
    }

    // Shared stage <- registers.
    template <class Smem>
    KILN_HD KILN_IG_INLINE void store(Smem& sm, int stage) const {
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::A_LOADS; ++j)
            sm.st(stage * Cfg::A_STAGE + a_kk * Cfg::LDA + a_row + j * Cfg::ROWS_A, a_reg[j]);
        KILN_IG_UNROLL
        for (int r = 0; r < Cfg::B_KROWS; ++r)
            KILN_IG_UNROLL
            for (int j = 0; j < Cfg::B_COLS; ++j) {
                const int row = b_kk + r * Cfg::B_KSTEP, col = b_lane + j * Cfg::B_TPR;
                sm.st(Cfg::B_BASE + stage * Cfg::B_STAGE + row * Cfg::LDB + col, b_reg[r][j]);
            }
    }
};

// One output element: y (with bias) when not split, else the slice's partial in the workspace.
// yoff_col = img*K*PQ + pq for column col.
template <class T>
KILN_HD KILN_IG_INLINE void store_output(const igemm_args<T>& a, const block_coords& b, int k, int col,
                                         long long yoff_col, T v) {
    const conv_geometry& g = a.g;
    if (g.splits == 1) {
        if (a.bias) v += a.bias[k];
        a.y[yoff_col + (long long)k * g.PQ] = v;
    } else {
        a.ws[((long long)b.split * g.K + k) * g.Ngemm + col] = v;
    }
}

KILN_HD KILN_IG_INLINE long long output_column_offset(const conv_geometry& g, int col) {
    std::uint32_t img, pq;
    g.div_PQ.divmod(std::uint32_t(col), img, pq);
    return (long long)img * g.K * g.PQ + pq;
}

// FFMA math: one state per thread, TM x TN accumulators in registers.
template <class Cfg>
struct ffma_math {
    using T = typename Cfg::value_type;
    static constexpr bool per_warp = false;
    static constexpr int agents = Cfg::NT;
    struct state {
        T acc[Cfg::TM][Cfg::TN];
    };

    KILN_HD KILN_IG_INLINE static void clear(state& M) {
        KILN_IG_UNROLL
        for (int i = 0; i < Cfg::TM; ++i)
            KILN_IG_UNROLL
            for (int j = 0; j < Cfg::TN; ++j) M.acc[i][j] = T(0);
    }

    template <class Smem>
    KILN_HD KILN_IG_INLINE static void step(state& M, Smem& sm, int stage, int tid) {
        const int tx = tid % Cfg::TX, ty = tid / Cfg::TX;
        const int abase = stage * Cfg::A_STAGE + ty * 4;
        const int bbase = Cfg::B_BASE + stage * Cfg::B_STAGE + tx * 4;
        KILN_IG_UNROLL
        for (int kk = 0; kk < Cfg::BK; ++kk) {
            T av[Cfg::TM], bv[Cfg::TN];
            KILN_IG_UNROLL
            for (int gi = 0; gi < Cfg::TM / 4; ++gi) sm.ld4(abase + kk * Cfg::LDA + gi * Cfg::ROW_STRIDE, av + 4 * gi);
            KILN_IG_UNROLL
            for (int gj = 0; gj < Cfg::TN / 4; ++gj) sm.ld4(bbase + kk * Cfg::LDB + gj * Cfg::COL_STRIDE, bv + 4 * gj);
            KILN_IG_UNROLL
            for (int i = 0; i < Cfg::TM; ++i)
                KILN_IG_UNROLL
                for (int j = 0; j < Cfg::TN; ++j) M.acc[i][j] = madd(av[i], bv[j], M.acc[i][j]);
        }
    }

    template <class Smem, class Exec>
    KILN_HD KILN_IG_INLINE static void epilogue(state& M, Smem&, Exec&, const igemm_args<T>& a,
                                                const block_coords& b, int tid, int, int) {
        const conv_geometry& g = a.g;
        const int tx = tid % Cfg::TX, ty = tid / Cfg::TX;
        KILN_IG_UNROLL
        for (int j = 0; j < Cfg::TN; ++j) {
            const int col = b.n0 + (j / 4) * Cfg::COL_STRIDE + tx * 4 + j % 4;
            if (col >= g.Ngemm) continue;
            const long long yoff = output_column_offset(g, col);
            KILN_IG_UNROLL
            for (int i = 0; i < Cfg::TM; ++i) {
                const int m = b.m0 + (i / 4) * Cfg::ROW_STRIDE + ty * 4 + i % 4;
                if (m < g.Kg) store_output(a, b, b.g * g.Kg + m, col, yoff, M.acc[i][j]);
            }
        }
    }
};

// TF32 math: 8 warps as 2 (M) x 4 (N); warp w owns a (BM/2) x (BN/4) sub-tile made of FM x FN
// 16x16 accumulator fragments. Mma provides the fragment types and operations: nvcuda::wmma on the
// device (device_wmma below), a plain-C++ model in the host emulation.
template <class Cfg, class Mma>
struct tf32_math {
    using T = typename Cfg::value_type;
    static_assert(std::is_same_v<T, float>, "the TF32 path is float only");
    static constexpr bool per_warp = true;
    static constexpr int agents = Cfg::NT / 32;
    static constexpr int WM = Cfg::BM / 2, WN = Cfg::BN / 4, FM = WM / 16, FN = WN / 16;
    static_assert(Cfg::BK == 8, "the TF32 step is one m16n16k8 fragment per kk step of 8");
    static_assert(FM >= 1 && FN >= 1 && WM % 16 == 0 && WN % 16 == 0, "warp tile must be whole fragments");
    static_assert(agents * 256 <= Cfg::SMEM, "epilogue scratch (16x16 floats per warp) must fit in the tiles");
    struct state {
        typename Mma::c_frag acc[FM][FN];
    };

    KILN_HD KILN_IG_INLINE static void clear(state& M) {
        KILN_IG_UNROLL
        for (int i = 0; i < FM; ++i)
            KILN_IG_UNROLL
            for (int j = 0; j < FN; ++j) Mma::zero(M.acc[i][j]);
    }

    template <class Smem>
    KILN_HD KILN_IG_INLINE static void step(state& M, Smem& sm, int stage, int warp) {
        const int wm = warp / 4, wn = warp % 4;
        typename Mma::a_frag af[FM];
        typename Mma::b_frag bf[FN];
        // As[kk][m] is A (m x kk) column-major with ld LDA; Bs[kk][n] is B (kk x n) row-major with ld LDB
        KILN_IG_UNROLL
        for (int i = 0; i < FM; ++i) Mma::load_a(af[i], sm, stage * Cfg::A_STAGE + wm * WM + i * 16, Cfg::LDA);
        KILN_IG_UNROLL
        for (int j = 0; j < FN; ++j)
            Mma::load_b(bf[j], sm, Cfg::B_BASE + stage * Cfg::B_STAGE + wn * WN + j * 16, Cfg::LDB);
        KILN_IG_UNROLL
        for (int i = 0; i < FM; ++i)
            KILN_IG_UNROLL
            for (int j = 0; j < FN; ++j) Mma::mma(M.acc[i][j], af[i], bf[j]);
    }

    // Each fragment goes through the warp's 16x16 scratch (the tile buffers are free after the last
    // step's barrier), then the lanes write it out with bounds checks.
    template <class Smem, class Exec>
    KILN_HD KILN_IG_INLINE static void epilogue(state& M, Smem& sm, Exec& ex, const igemm_args<T>& a,
                                                const block_coords& b, int warp, int lane0, int lane_step) {
        const conv_geometry& g = a.g;
        const int wm = warp / 4, wn = warp % 4;
        const int scratch = warp * 256;
        KILN_IG_UNROLL
        for (int i = 0; i < FM; ++i)
            KILN_IG_UNROLL
            for (int j = 0; j < FN; ++j) {
                Mma::store(sm, scratch, M.acc[i][j]);
                ex.syncwarp();
                for (int e = lane0; e < 256; e += lane_step) {
                    const int m = b.m0 + wm * WM + i * 16 + e / 16;
                    const int col = b.n0 + wn * WN + j * 16 + e % 16;
                    if (m < g.Kg && col < g.Ngemm)
                        store_output(a, b, b.g * g.Kg + m, col, output_column_offset(g, col), sm.ld(scratch + e));
                }
                ex.syncwarp();
            }
    }
};

// The whole block: prologue, the double-buffered main loop (one barrier per step), the epilogue.
// Exec: threads(f) calls f(loader&, tid) for this thread (device) or every thread (emulation);
// math(f) calls f(state&, agent, lane0, lane_step) per thread (FFMA) or per warp (TF32); sync() is
// the block barrier; syncwarp() the warp barrier.
#if defined(__CUDACC__)
#pragma nv_exec_check_disable
#endif
template <class Cfg, class Math, class Exec, class Smem>
KILN_HD KILN_IG_INLINE void run_block(Exec& ex, Smem& sm, const igemm_args<typename Cfg::value_type>& a,
                                      unsigned bx, unsigned by, unsigned bz) {
    using L = loader<Cfg>;
    using MS = typename Math::state;
    const block_coords b = make_block<Cfg::BM, Cfg::BN>(a.g, bx, by, bz);
    ex.threads([&](L& ld, int tid) {
        ld.setup(a, b, tid);
        ld.load(a, b, b.k_begin);
        ld.store(sm, 0);
    });
    ex.math([&](MS& M, int, int, int) { Math::clear(M); });
    ex.sync();
    const int steps = (b.k_end - b.k_begin + Cfg::BK - 1) / Cfg::BK;
    for (int it = 0; it < steps; ++it) {
        const int stage = it & 1;
        const bool more = it + 1 < steps;
        if (more) ex.threads([&](L& ld, int) { ld.load(a, b, b.k_begin + (it + 1) * Cfg::BK); });
        ex.math([&](MS& M, int agent, int, int) { Math::step(M, sm, stage, agent); });
        if (more) ex.threads([&](L& ld, int) { ld.store(sm, stage ^ 1); });
        ex.sync();
    }
    ex.math([&](MS& M, int agent, int lane0, int lane_step) {
        Math::epilogue(M, sm, ex, a, b, agent, lane0, lane_step);
    });
}

// Split-K: y[e] = bias + sum over slices in slice order (deterministic).
template <class T>
KILN_HD KILN_IG_INLINE void splitk_reduce_element(const igemm_args<T>& a, long long e) {
    const conv_geometry& g = a.g;
    const long long pq = e % g.PQ, t = e / g.PQ;
    const int k = static_cast<int>(t % g.K);
    const long long img = t / g.K;
    const long long col = img * g.PQ + pq;
    T acc = a.bias ? a.bias[k] : T(0);
    for (int s = 0; s < g.splits; ++s) acc += a.ws[((long long)s * g.K + k) * g.Ngemm + col];
    a.y[e] = acc;
}

// TF32 rounding as cvt.rna.tf32.f32 (nearest, ties away from zero, 10 mantissa bits); finite inputs.
inline float round_to_tf32(float v) {
    std::uint32_t u;
    static_assert(sizeof u == sizeof v);
    std::memcpy(&u, &v, sizeof u);
    if ((u & 0x7F800000u) != 0x7F800000u) u = (u + 0x1000u) & 0xFFFFE000u;
    std::memcpy(&v, &u, sizeof u);
    return v;
}

}  // namespace kiln::gpu_exec::igemm

// ==================================================================================== CUDA only
#if defined(__CUDACC__)

#include <array>
#include <mutex>
#include <string>

#include <cuda_runtime_api.h>
#if KILN_IG_TF32_ARCH
#include <mma.h>
#endif

#include <kiln/device.hpp>
#include <kiln/gpu/buffer.hpp>

namespace kiln::gpu_exec::igemm {

template <class T>
struct device_smem {
    T* p;
    __device__ KILN_IG_INLINE T ld(int i) const { return p[i]; }
    __device__ KILN_IG_INLINE void st(int i, T v) const { p[i] = v; }
    __device__ KILN_IG_INLINE void ld4(int i, T* out) const {
        if constexpr (std::is_same_v<T, float>) {
            const float4 v = *reinterpret_cast<const float4*>(p + i);
            out[0] = v.x, out[1] = v.y, out[2] = v.z, out[3] = v.w;
        } else {
            const double2 v0 = *reinterpret_cast<const double2*>(p + i);
            const double2 v1 = *reinterpret_cast<const double2*>(p + i + 2);
            out[0] = v0.x, out[1] = v0.y, out[2] = v1.x, out[3] = v1.y;
        }
    }
    __device__ KILN_IG_INLINE T* ptr(int i) const { return p + i; }
};

template <class Cfg, class Math>
struct device_exec {
    loader<Cfg> ld;
    typename Math::state ms;
    template <class F>
    __device__ KILN_IG_INLINE void threads(F&& f) { f(ld, int(threadIdx.x)); }
    template <class F>
    __device__ KILN_IG_INLINE void math(F&& f) {
        if constexpr (Math::per_warp)
            f(ms, int(threadIdx.x) / 32, int(threadIdx.x) % 32, 32);
        else
            f(ms, int(threadIdx.x), 0, 1);
    }
    __device__ KILN_IG_INLINE void sync() { __syncthreads(); }
    __device__ KILN_IG_INLINE void syncwarp() { __syncwarp(); }
};

#if KILN_IG_TF32_ARCH
struct device_wmma {
    using a_frag = nvcuda::wmma::fragment<nvcuda::wmma::matrix_a, 16, 16, 8, nvcuda::wmma::precision::tf32,
                                          nvcuda::wmma::col_major>;
    using b_frag = nvcuda::wmma::fragment<nvcuda::wmma::matrix_b, 16, 16, 8, nvcuda::wmma::precision::tf32,
                                          nvcuda::wmma::row_major>;
    using c_frag = nvcuda::wmma::fragment<nvcuda::wmma::accumulator, 16, 16, 8, float>;
    __device__ KILN_IG_INLINE static void zero(c_frag& c) { nvcuda::wmma::fill_fragment(c, 0.0f); }
    template <class Smem>
    __device__ KILN_IG_INLINE static void load_a(a_frag& f, Smem& sm, int i, int ldm) {
        nvcuda::wmma::load_matrix_sync(f, sm.ptr(i), unsigned(ldm));
        KILN_IG_UNROLL
        for (int e = 0; e < f.num_elements; ++e) f.x[e] = nvcuda::wmma::__float_to_tf32(f.x[e]);
    }
    template <class Smem>
    __device__ KILN_IG_INLINE static void load_b(b_frag& f, Smem& sm, int i, int ldm) {
        nvcuda::wmma::load_matrix_sync(f, sm.ptr(i), unsigned(ldm));
        KILN_IG_UNROLL
        for (int e = 0; e < f.num_elements; ++e) f.x[e] = nvcuda::wmma::__float_to_tf32(f.x[e]);
    }
    __device__ KILN_IG_INLINE static void mma(c_frag& c, const a_frag& a, const b_frag& b) {
        nvcuda::wmma::mma_sync(c, a, b, c);
    }
    template <class Smem>
    __device__ KILN_IG_INLINE static void store(Smem& sm, int i, const c_frag& c) {
        nvcuda::wmma::store_matrix_sync(sm.ptr(i), c, 16u, nvcuda::wmma::mem_row_major);
    }
};
#endif

template <class Cfg, bool TF32>
__global__ void __launch_bounds__(256, Cfg::MIN_BLOCKS) conv2d_igemm_kernel(igemm_args<typename Cfg::value_type> a) {
    using T = typename Cfg::value_type;
    __shared__ __align__(128) T smem[Cfg::SMEM];
    device_smem<T> sm{smem};
    if constexpr (TF32) {
#if KILN_IG_TF32_ARCH
        device_exec<Cfg, tf32_math<Cfg, device_wmma>> ex;
        run_block<Cfg, tf32_math<Cfg, device_wmma>>(ex, sm, a, blockIdx.x, blockIdx.y, blockIdx.z);
#else
        __trap();  // the host never launches it below sm_80
#endif
    } else {
        device_exec<Cfg, ffma_math<Cfg>> ex;
        run_block<Cfg, ffma_math<Cfg>>(ex, sm, a, blockIdx.x, blockIdx.y, blockIdx.z);
    }
}

template <class T>
__global__ void conv2d_splitk_reduce_kernel(igemm_args<T> a, long long total) {
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x)
        splitk_reduce_element(a, e);
}

template <class T>
__global__ void conv2d_reorder_ci_kernel(conv_geometry g, const T* w, T* wr, long long total) {
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x)
        wr[e] = w[ci_weight_source(g, e)];
}

// ------------------------------------------------------------------------------------------------ host
inline void check_launch(const std::string& kernel) {
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        throw device_error("kiln: CUDA kernel " + kernel + " failed to launch: " + cudaGetErrorName(err) + ": " +
                           cudaGetErrorString(err));
#if defined(KILN_CUDA_SYNC_CHECKS)
    const cudaError_t run = cudaDeviceSynchronize();
    if (run != cudaSuccess)
        throw device_error("kiln: CUDA kernel " + kernel + " failed: " + cudaGetErrorName(run) + ": " +
                           cudaGetErrorString(run));
#endif
}

struct device_props {
    int sms = 0, cc_major = 0, cc_minor = 0;
};

inline device_props current_device_props() {
    static std::mutex mu;
    static std::array<device_props, 64> cache{};
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || dev < 0 || dev >= 64) {
        (void)cudaGetLastError();
        return device_props{1, 0, 0};
    }
    std::lock_guard<std::mutex> lock(mu);
    device_props& d = cache[std::size_t(dev)];
    if (d.sms == 0) {
        int v = 0;
        d.sms = cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess && v > 0 ? v : 1;
        d.cc_major = cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMajor, dev) == cudaSuccess ? v : 0;
        d.cc_minor = cudaDeviceGetAttribute(&v, cudaDevAttrComputeCapabilityMinor, dev) == cudaSuccess ? v : 0;
        (void)cudaGetLastError();
    }
    return d;
}

// Split-K workspace: one grow-only buffer per device, never freed (a static destructor would run
// after the CUDA runtime is gone). The lock is held from the main kernel's launch to the reduction's
// launch, so two host threads on the (legacy) default stream never interleave their partials.
struct workspace {
    std::mutex mu;
    std::array<void*, 64> ptr{};
    std::array<std::size_t, 64> bytes{};

    static workspace& get() {
        static workspace* w = new workspace;  // leaked on purpose, see above
        return *w;
    }
    // caller holds mu
    void* reserve(std::size_t need) {
        int dev = 0;
        gpu_detail::check_cuda(cudaGetDevice(&dev), "cudaGetDevice");
        if (dev < 0 || dev >= 64) throw device_error("kiln: conv2d split-K workspace: device ordinal out of range");
        const auto d = std::size_t(dev);
        if (bytes[d] < need) {
            if (ptr[d]) gpu_detail::check_cuda(cudaFree(ptr[d]), "cudaFree (conv2d split-K workspace)");
            ptr[d] = nullptr;
            bytes[d] = 0;
            void* p = nullptr;
            if (cudaMalloc(&p, need) != cudaSuccess) {
                (void)cudaGetLastError();
                throw device_error("kiln: cannot allocate " + std::to_string(need) +
                                   " bytes for the conv2d split-K workspace on gpu(" + std::to_string(dev) + ")");
            }
            ptr[d] = p;
            bytes[d] = need;
        }
        return ptr[d];
    }
};

template <class T>
const char* type_name() {
    return std::is_same_v<T, float> ? "float" : "double";
}

template <class Cfg, bool TF32>
void launch_main(const igemm_args<typename Cfg::value_type>& a) {
    const grid_size gs = grid_dims<Cfg>(a.g);
    const dim3 grid(gs.x, gs.y, gs.z);
    conv2d_igemm_kernel<Cfg, TF32><<<grid, Cfg::NT>>>(a);
    check_launch(std::string("conv2d_igemm<") + type_name<typename Cfg::value_type>() + ", " +
                 std::to_string(Cfg::BM) + "x" + std::to_string(Cfg::BN) + (TF32 ? ", tf32" : ", ffma") + ">");
}

// The sum of the K slices' partial outputs (split-K), in a fixed order.
template <class T>
void launch_splitk_reduce(const igemm_args<T>& a, long long total) {
    const long long blocks = std::min<long long>((total + 255) / 256, 65535LL * 16);
    conv2d_splitk_reduce_kernel<T><<<unsigned(blocks), 256>>>(a, total);
    check_launch(std::string("conv2d_splitk_reduce<") + type_name<T>() + ">");
}

// wr (K x CRS elements) <- the weights in the channel-inner K order (tile_config's CI_).
template <class T>
void launch_reorder_weights_ci(const conv_geometry& g, const T* w, T* wr) {
    const long long total = (long long)g.K * g.CRS;
    const long long blocks = std::min<long long>((total + 255) / 256, 65535LL * 16);
    if (blocks == 0) return;
    conv2d_reorder_ci_kernel<T><<<unsigned(blocks), 256>>>(g, w, wr, total);
    check_launch(std::string("conv2d_reorder_weights_ci<") + type_name<T>() + ">");
}

template <class T, bool TF32>
void launch_cfg(int cfg, const igemm_args<T>& a) {
    if constexpr (std::is_same_v<T, float>) {
        switch (cfg) {
            case 0: return launch_main<cfg_f128x128, TF32>(a);
            case 1: return launch_main<cfg_f64x128, TF32>(a);
            case 2: return launch_main<cfg_f128x64, TF32>(a);
            default: return launch_main<cfg_f64x64, TF32>(a);
        }
    } else {
        static_assert(!TF32, "TF32 is float only");
        (void)cfg;
        launch_main<cfg_d64x64, false>(a);
    }
}

// What the last call ran (for benchmarks and diagnostics).
struct run_info {
    bool igemm = false;  // false: the geometry needs 64-bit indices, the Thrust path ran
    bool tf32 = false;
    int cfg = 0, splits = 1;
    const char* cfg_name = "";
};

// Runs the convolution with plan `forced` (cfg index, splits) or the planner's choice. Returns false,
// having done nothing, when the geometry does not fit the kernel's 32-bit indexing.
template <class T>
bool conv2d_igemm(const nn::kernels::conv2d_params& p, const T* x, const T* w, const T* bias, T* y,
                  bool allow_tf32, const plan* forced = nullptr, run_info* info = nullptr) {
    if (!fits_int32(p)) return false;
    const device_props dev = current_device_props();
    const bool tf32 = std::is_same_v<T, float> && allow_tf32 && dev.cc_major >= 8;
    const conv_geometry g0 = make_geometry(p, 1, 8);
    const config_info* cfgs = std::is_same_v<T, float> ? float_configs : double_configs;
    const int ncfg = std::is_same_v<T, float> ? num_float_configs : num_double_configs;
    plan pl = forced ? make_plan(g0, std::clamp(forced->cfg, 0, ncfg - 1), forced->splits)
                     : choose_plan(g0, cfgs, ncfg, dev.sms);
    if ((long long)g0.groups * pl.splits > 65535) pl = make_plan(g0, pl.cfg, 1);
    igemm_args<T> a{x, w, bias, y, nullptr, make_geometry(p, pl.splits, pl.k_chunk)};
    if (info) *info = run_info{true, tf32, pl.cfg, pl.splits, cfgs[pl.cfg].name};

    const auto run = [&] {
        if (tf32) {
            if constexpr (std::is_same_v<T, float>) launch_cfg<T, true>(pl.cfg, a);
        } else {
            launch_cfg<T, false>(pl.cfg, a);
        }
    };
    if (pl.splits == 1) {
        run();
        return true;
    }
    workspace& wsp = workspace::get();
    std::lock_guard<std::mutex> lock(wsp.mu);
    a.ws = static_cast<T*>(wsp.reserve(sizeof(T) * std::size_t(pl.splits) * p.K * std::size_t(a.g.Ngemm)));
    run();
    launch_splitk_reduce(a, (long long)p.y_size());
    return true;
}

}  // namespace kiln::gpu_exec::igemm

#endif  // __CUDACC__
