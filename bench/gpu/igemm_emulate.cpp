// bench/gpu/igemm_emulate.cpp: runs the implicit-GEMM Conv2D kernel of kiln/gpu/conv2d_igemm.hpp on
// the CPU, no GPU needed, and compares it with conv2d_reference.
//
// The kernel's block program (igemm::run_block) is written against an executor. Here the executor
// runs every thread of a block phase by phase: threads(f) calls f for thread 0..255 in turn, math(f)
// for each thread (FFMA) or each warp (TF32, with a plain-C++ model of the WMMA m16n16k8 operations),
// sync() ends a barrier interval. Shared memory is a tracked array that reports
//   * a race: an element written by one thread (or warp) and read or written by another inside one
//     barrier interval (the double buffering relies on exactly one barrier per step);
//   * a read of shared memory never written in this block;
//   * a misaligned vector access (4-element reads must be 16-byte aligned; WMMA pointers 32-byte);
//   * an index outside the block's shared array.
// x, w, y and the split-K workspace are std::vectors: build with -fsanitize=address to catch an
// out-of-bounds global access (the check script does when it can). y starts as NaN, so an output the
// grid never writes fails the comparison.
//
// Build and run (from the repository root; needs the xsimd headers, as every kiln host build):
//   g++ -std=c++20 -O2 -DXTENSOR_USE_XSIMD -I include -I cuda bench/gpu/igemm_emulate.cpp -o igemm_emulate
//   ./igemm_emulate            # about 250 random configurations + larger shapes; exit 0 = all passed
//   ./igemm_emulate --quick    # a tenth of it
#include <kiln/nn/conv2d_kernels.hpp>  // no gpu backend here: only the host-compilable part is used
#include <kiln/gpu/conv2d_igemm.hpp>

#include "../../tests/conv2d_configs.hpp"  // the conv test suite's random configurations

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

namespace ig = kiln::gpu_exec::igemm;
using kiln::nn::kernels::conv2d_params;

namespace {

using conv2d_test::describe;
using conv2d_test::random_configs;

int g_failures = 0;
std::string g_context;

void fail(const std::string& what) {
    if (++g_failures <= 20) std::printf("FAIL %s: %s\n", g_context.c_str(), what.c_str());
}

// ------------------------------------------------------------------------------------ shared memory
template <class T>
struct host_smem {
    std::vector<T> data;
    std::vector<int> w_epoch, w_agent, r_epoch, r_agent;  // r_agent -2: read by several agents
    int epoch = 0, agent = 0;
    bool reported = false;

    explicit host_smem(int n)
        : data(std::size_t(n), std::numeric_limits<T>::quiet_NaN()), w_epoch(std::size_t(n), -1),
          w_agent(std::size_t(n), -1), r_epoch(std::size_t(n), -1), r_agent(std::size_t(n), -1) {}

    void report(const std::string& what, int i) {
        if (reported) return;  // one message per block is enough
        reported = true;
        fail("shared memory: " + what + " at element " + std::to_string(i) + " (agent " + std::to_string(agent) +
             ", barrier interval " + std::to_string(epoch) + ")");
    }
    bool in_range(int i) {
        if (i < 0 || std::size_t(i) >= data.size()) {
            report("index out of range (size " + std::to_string(data.size()) + ")", i);
            return false;
        }
        return true;
    }
    T ld(int i) {
        if (!in_range(i)) return T(0);
        const auto u = std::size_t(i);
        if (w_epoch[u] < 0) report("read of an element never written", i);
        if (w_epoch[u] == epoch && w_agent[u] != agent)
            report("read of an element written by agent " + std::to_string(w_agent[u]) + " without a barrier", i);
        if (r_epoch[u] == epoch && r_agent[u] != agent)
            r_agent[u] = -2;
        else if (r_epoch[u] != epoch)
            r_epoch[u] = epoch, r_agent[u] = agent;
        return data[u];
    }
    void st(int i, T v) {
        if (!in_range(i)) return;
        const auto u = std::size_t(i);
        if (w_epoch[u] == epoch && w_agent[u] != agent)
            report("write to an element written by agent " + std::to_string(w_agent[u]) + " without a barrier", i);
        if (r_epoch[u] == epoch && r_agent[u] != agent)
            report("write to an element read by another agent without a barrier", i);
        w_epoch[u] = epoch, w_agent[u] = agent;
        data[u] = v;
    }
    void ld4(int i, T* out) {
        // the device reads one float4, or two double2: 16-byte alignment of element i
        if ((i * int(sizeof(T))) % 16 != 0) report("misaligned 4-element vector read", i);
        for (int k = 0; k < 4; ++k) out[k] = ld(i + k);
    }
    void check_wmma_pointer(int i, int ldm) {
        if ((i * int(sizeof(T))) % 32 != 0) report("WMMA pointer not 32-byte aligned", i);
        if (ldm % 4 != 0) report("WMMA ldm not a multiple of 4 floats", i);
    }
};

// ------------------------------------------------------------------------------------ WMMA model
// m16n16k8 tf32: A 16x8 (here column-major: (m, k) at m + k*ldm), B 8x16 row-major ((k, n) at
// k*ldm + n), C 16x16 float stored row-major with ldm 16. Inputs rounded to TF32 at load, as
// load_matrix_sync + __float_to_tf32 in device_wmma. TF32 products are exact in float.
struct host_wmma {
    struct a_frag { float v[16][8]; };
    struct b_frag { float v[8][16]; };
    struct c_frag { float v[16][16]; };
    static void zero(c_frag& c) { std::memset(&c, 0, sizeof c); }
    template <class Smem>
    static void load_a(a_frag& f, Smem& sm, int i, int ldm) {
        sm.check_wmma_pointer(i, ldm);
        for (int m = 0; m < 16; ++m)
            for (int k = 0; k < 8; ++k) f.v[m][k] = ig::round_to_tf32(sm.ld(i + m + k * ldm));
    }
    template <class Smem>
    static void load_b(b_frag& f, Smem& sm, int i, int ldm) {
        sm.check_wmma_pointer(i, ldm);
        for (int k = 0; k < 8; ++k)
            for (int n = 0; n < 16; ++n) f.v[k][n] = ig::round_to_tf32(sm.ld(i + k * ldm + n));
    }
    static void mma(c_frag& c, const a_frag& a, const b_frag& b) {
        for (int m = 0; m < 16; ++m)
            for (int n = 0; n < 16; ++n) {
                float acc = c.v[m][n];
                for (int k = 0; k < 8; ++k) acc += a.v[m][k] * b.v[k][n];
                c.v[m][n] = acc;
            }
    }
    template <class Smem>
    static void store(Smem& sm, int i, const c_frag& c) {
        sm.check_wmma_pointer(i, 16);
        for (int m = 0; m < 16; ++m)
            for (int n = 0; n < 16; ++n) sm.st(i + m * 16 + n, c.v[m][n]);
    }
};

// ------------------------------------------------------------------------------------ executor
template <class Cfg, class Math>
struct host_exec {
    using T = typename Cfg::value_type;
    host_smem<T>& sm;
    std::vector<ig::loader<Cfg>> ld = std::vector<ig::loader<Cfg>>(Cfg::NT);
    std::vector<typename Math::state> ms = std::vector<typename Math::state>(Math::agents);

    template <class F>
    void threads(F&& f) {
        for (int t = 0; t < Cfg::NT; ++t) {
            sm.agent = t;
            f(ld[std::size_t(t)], t);
        }
    }
    template <class F>
    void math(F&& f) {
        for (int a = 0; a < Math::agents; ++a) {
            sm.agent = Math::per_warp ? Cfg::NT + a : a;  // a warp is its own agent
            f(ms[std::size_t(a)], a, 0, 1);               // a warp's lanes together: lane 0, step 1
        }
    }
    void sync() { ++sm.epoch; }
    void syncwarp() {}
};

// ------------------------------------------------------------------------------------ problems
template <class T>
struct problem {
    conv2d_params p;
    std::vector<T> x, w, b;
    bool with_bias;
};

// x, bias in U(-1, 1); w in U(-1, 1), or U(-1, 1)/sqrt(Cg*R*S) when scaled (|y| around 1 for any K
// depth, as the benchmarks; the test suite's small configurations use unscaled weights).
template <class T>
problem<T> make_problem(const conv2d_params& p, bool with_bias, std::mt19937& rng, bool scaled = false) {
    std::uniform_real_distribution<double> d(-1.0, 1.0);
    problem<T> pr{p, std::vector<T>(p.x_size()), std::vector<T>(p.w_size()), std::vector<T>(p.K), with_bias};
    const double ws = scaled ? 1.0 / std::sqrt(double(p.C / p.groups * p.R * p.S)) : 1.0;
    for (auto& v : pr.x) v = T(d(rng));
    for (auto& v : pr.w) v = T(d(rng) * ws);
    for (auto& v : pr.b) v = T(d(rng));
    return pr;
}

template <class Cfg, class Math>
std::vector<typename Cfg::value_type> emulate(const problem<typename Cfg::value_type>& pr, int splits) {
    using T = typename Cfg::value_type;
    const ig::conv_geometry g0 = ig::make_geometry(pr.p, 1, 8);
    const ig::plan pl = ig::make_plan(g0, 0, splits);
    if (pl.k_chunk % 8 != 0 || (long long)pl.splits * pl.k_chunk < g0.CRS ||
        (long long)(pl.splits - 1) * pl.k_chunk >= g0.CRS)
        fail("make_plan: bad K slicing (splits " + std::to_string(pl.splits) + ", chunk " +
             std::to_string(pl.k_chunk) + ", CRS " + std::to_string(g0.CRS) + ")");
    std::vector<T> y(pr.p.y_size(), std::numeric_limits<T>::quiet_NaN());
    std::vector<T> ws(pl.splits > 1 ? std::size_t(pl.splits) * pr.p.K * std::size_t(g0.Ngemm) : 0,
                      std::numeric_limits<T>::quiet_NaN());
    ig::igemm_args<T> a{pr.x.data(), pr.w.data(), pr.with_bias ? pr.b.data() : nullptr, y.data(),
                        ws.empty() ? nullptr : ws.data(), ig::make_geometry(pr.p, pl.splits, pl.k_chunk)};
    std::vector<T> wr;  // channel-inner configurations read the reordered weights
    if constexpr (Cfg::CHANNEL_INNER) {
        if (!ig::channel_inner_ok(a.g, Cfg::BK)) fail("channel-inner order on a group of " + std::to_string(a.g.Cg) +
                                                      " channels (needs a multiple of " + std::to_string(Cfg::BK) + ")");
        wr.assign(pr.w.size(), std::numeric_limits<T>::quiet_NaN());
        ig::reorder_weights_ci_host(a.g, pr.w.data(), wr.data());
        for (std::size_t i = 0; i < wr.size(); ++i)
            if (std::isnan(wr[i])) fail("reorder_weights_ci left element " + std::to_string(i) + " unwritten");
        a.w = wr.data();
    }
    const ig::grid_size gs = ig::grid_dims<Cfg>(a.g);
    for (unsigned bz = 0; bz < gs.z; ++bz)
        for (unsigned by = 0; by < gs.y; ++by)
            for (unsigned bx = 0; bx < gs.x; ++bx) {
                host_smem<T> sm(Cfg::SMEM);
                host_exec<Cfg, Math> ex{sm};
                ig::run_block<Cfg, Math>(ex, sm, a, bx, by, bz);
            }
    if (pl.splits > 1)
        for (long long e = 0; e < (long long)y.size(); ++e) ig::splitk_reduce_element(a, e);
    return y;
}

template <class T>
std::vector<T> reference(const problem<T>& pr) {
    std::vector<T> y(pr.p.y_size());
    kiln::nn::kernels::conv2d_reference(pr.p, pr.x.data(), pr.w.data(), pr.with_bias ? pr.b.data() : nullptr,
                                        y.data());
    return y;
}

// max |got - ref| / max(|ref|, 1); NaN counts as infinite (the test suite's measure)
template <class T>
double worst_error(const std::vector<T>& got, const std::vector<T>& ref) {
    double worst = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double r = ref[i], e = std::fabs(double(got[i]) - r) / std::max(std::fabs(r), 1.0);
        if (!(e <= worst)) worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
    }
    return worst;
}

// The kernel variants: 4 float FFMA tiles, the double tile, 4 float TF32 tiles; then the channel-inner
// K order (bench only so far) on the float and double FFMA tiles and the float TF32 tile.
constexpr int num_variants = 9, first_ci_variant = 9, num_ci_variants = 3;
using cfg_f128x128_ci = ig::tile_config<float, 128, 128, 8, 8, 2, 8, 2, true>;
using cfg_d64x64_ci = ig::tile_config<double, 64, 64, 4, 4, 2, 8, 2, true>;
const char* variant_name(int v) {
    static const char* names[] = {"f32 128x128", "f32 64x128",      "f32 128x64",      "f32 64x64",
                                  "f64 64x64",   "tf32 128x128",    "tf32 64x128",     "tf32 128x64",
                                  "tf32 64x64",  "f32 128x128 ci",  "f64 64x64 ci",    "tf32 128x128 ci"};
    return names[v];
}

// Runs variant v on configuration p with `splits` K slices; returns the error against the reference.
double run_variant(int v, const conv2d_params& p, bool bias, int splits, std::mt19937& rng, bool scaled = false) {
    using namespace ig;
    if (v == 4 || v == 10) {
        const auto pr = make_problem<double>(p, bias, rng, scaled);
        return worst_error(v == 4 ? emulate<cfg_d64x64, ffma_math<cfg_d64x64>>(pr, splits)
                                  : emulate<cfg_d64x64_ci, ffma_math<cfg_d64x64_ci>>(pr, splits),
                           reference(pr));
    }
    const auto pr = make_problem<float>(p, bias, rng, scaled);
    std::vector<float> y;
    switch (v) {
        case 0: y = emulate<cfg_f128x128, ffma_math<cfg_f128x128>>(pr, splits); break;
        case 1: y = emulate<cfg_f64x128, ffma_math<cfg_f64x128>>(pr, splits); break;
        case 2: y = emulate<cfg_f128x64, ffma_math<cfg_f128x64>>(pr, splits); break;
        case 3: y = emulate<cfg_f64x64, ffma_math<cfg_f64x64>>(pr, splits); break;
        case 5: y = emulate<cfg_f128x128, tf32_math<cfg_f128x128, host_wmma>>(pr, splits); break;
        case 6: y = emulate<cfg_f64x128, tf32_math<cfg_f64x128, host_wmma>>(pr, splits); break;
        case 7: y = emulate<cfg_f128x64, tf32_math<cfg_f128x64, host_wmma>>(pr, splits); break;
        case 8: y = emulate<cfg_f64x64, tf32_math<cfg_f64x64, host_wmma>>(pr, splits); break;
        case 9: y = emulate<cfg_f128x128_ci, ffma_math<cfg_f128x128_ci>>(pr, splits); break;
        default: y = emulate<cfg_f128x128_ci, tf32_math<cfg_f128x128_ci, host_wmma>>(pr, splits); break;
    }
    return worst_error(y, reference(pr));
}

double tolerance(int v) {
    if (v == 4 || v == 10) return 1e-12;
    return v < 4 || v == 9 ? 1e-5 : 2e-2;
}

conv2d_params make(std::size_t N, std::size_t C, std::size_t H, std::size_t W, std::size_t K, std::size_t R,
                   std::size_t stride, std::size_t pad, std::size_t dil = 1, std::size_t groups = 1) {
    conv2d_params p{};
    p.N = N, p.C = C, p.H = H, p.W = W, p.K = K, p.R = p.S = R;
    p.stride_h = p.stride_w = stride, p.pad_h = p.pad_w = pad, p.dil_h = p.dil_w = dil, p.groups = groups;
    return p;
}

void check_fast_divmod() {
    g_context = "fast_divmod";
    std::mt19937 rng(5);
    std::vector<std::uint32_t> divisors;
    for (std::uint32_t d = 1; d <= 2000; ++d) divisors.push_back(d);
    for (std::uint32_t d : {3136u, 4608u, 50176u, 65535u, 65536u, 65537u, 1u << 20, (1u << 20) + 1, 1000003u,
                            (1u << 30) - 1, 1u << 30, (1u << 30) + 1, (1u << 31) - 1, 1u << 31})
        divisors.push_back(d);
    for (int i = 0; i < 200; ++i) divisors.push_back(std::uniform_int_distribution<std::uint32_t>(1, 1u << 31)(rng));
    long long checked = 0;
    for (std::uint32_t d : divisors) {
        const ig::fast_divmod f = ig::fast_divmod::make(d);
        auto check = [&](std::uint32_t n) {
            std::uint32_t q, r;
            f.divmod(n, q, r);
            ++checked;
            if (q != n / d || r != n % d)
                fail("d " + std::to_string(d) + " n " + std::to_string(n) + ": got " + std::to_string(q));
        };
        const std::uint32_t top = d <= 2000 ? 70000u : 2000u;
        for (std::uint32_t n = 0; n < top; ++n) check(n);
        for (std::uint32_t k = 1; k < 64; ++k) {  // around multiples of d, below 2^31
            const std::uint64_t m = std::uint64_t(d) * k;
            if (m > (1u << 31)) break;
            check(std::uint32_t(m - 1));
            if (m < (1u << 31)) check(std::uint32_t(m));
            if (m + 1 < (1u << 31)) check(std::uint32_t(m + 1));
        }
        for (std::uint32_t n : {(1u << 31) - 1, (1u << 31) - 2, (1u << 30), (1u << 30) - 1}) check(n);
        for (int i = 0; i < 2000; ++i) check(std::uniform_int_distribution<std::uint32_t>(0, (1u << 31) - 1)(rng));
    }
    std::printf("fast_divmod: %lld divisions checked\n", checked);
}

void check_fits() {
    g_context = "fits_int32";
    auto expect = [](const conv2d_params& p, bool want, const char* what) {
        if (ig::fits_int32(p) != want) fail(std::string(what) + ": fits_int32 should be " + (want ? "true" : "false"));
    };
    expect(make(32, 512, 14, 14, 512, 3, 1, 1), true, "S3 N=32");
    expect(make(1, 3, 224, 224, 64, 7, 2, 3), true, "stem");
    expect(make(64, 256, 256, 256, 64, 3, 1, 1), false, "input of 2^30 elements");
    expect(make(1, 0, 8, 8, 4, 3, 1, 1), false, "C == 0 (empty GEMM K)");
    expect(make(1, 4, 8, 8, 65535 * 64 + 1, 1, 1, 0), false, "K/groups beyond gridDim.y");
    expect(make(1, 2, 16384, 16384, 2, 1, 1, 0), true, "x of 2^29 elements");
    expect(make(1, 8, 16384, 16384, 2, 1, 1, 0), false, "x of 2^31 elements");
}

void check_planner() {
    g_context = "planner";
    struct named {
        const char* name;
        conv2d_params p;
    };
    const named shapes[] = {
        {"S2 N=1", make(1, 64, 56, 56, 64, 3, 1, 1)},    {"S2 N=32", make(32, 64, 56, 56, 64, 3, 1, 1)},
        {"S3 N=1", make(1, 512, 14, 14, 512, 3, 1, 1)},  {"S3 N=32", make(32, 512, 14, 14, 512, 3, 1, 1)},
        {"stem N=1", make(1, 3, 224, 224, 64, 7, 2, 3)}, {"tutorial", make(1, 8, 224, 224, 1, 3, 1, 0)},
        {"depthwise", make(8, 256, 28, 28, 256, 3, 1, 1, 1, 256)},
    };
    for (const auto& s : shapes) {
        const ig::conv_geometry g = ig::make_geometry(s.p, 1, 8);
        for (int sms : {108, 132}) {
            const ig::plan pl = ig::choose_plan(g, ig::float_configs, ig::num_float_configs, sms);
            if (pl.k_chunk % 8 != 0 || (long long)pl.splits * pl.k_chunk < g.CRS ||
                (long long)(pl.splits - 1) * pl.k_chunk >= g.CRS || (long long)pl.splits * g.groups > 65535)
                fail(std::string(s.name) + ": invalid plan");
            if (sms == 132)
                std::printf("plan (132 SMs) %-9s: tile %-7s splits %2d (K chunk %d of %d)\n", s.name,
                            ig::float_configs[pl.cfg].name, pl.splits, pl.k_chunk, g.CRS);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    const auto t0 = std::chrono::steady_clock::now();
    check_fast_divmod();
    check_fits();
    check_planner();

    // 1. The test suite's random configurations: each one on one kernel variant and split count,
    //    cycling through all of them (every variant sees every kind of configuration).
    const auto configs = random_configs(quick ? 54 : 270, 2024u);
    std::mt19937 rng(2025);
    int runs = 0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const int v = int(i % num_variants);
        const int splits = int((i / num_variants) % 3) + 1;
        g_context = "random config " + std::to_string(i) + " [" + variant_name(v) + ", splits " +
                    std::to_string(splits) + "] " + describe(configs[i]);
        const double err = run_variant(v, configs[i], i % 2 == 0, splits, rng);
        ++runs;
        if (!(err <= tolerance(v))) fail("error " + std::to_string(err) + " > " + std::to_string(tolerance(v)));
    }

    // 2. Larger shapes: several tiles in M and N, ragged edges, groups with Kg not a multiple of the
    //    tile, stride/dilation/padding together, long K with many steps and slices.
    const conv2d_params larger[] = {
        make(1, 64, 14, 14, 64, 3, 1, 1),                // S2-like, N*P*Q = 196
        make(2, 32, 13, 11, 200, 3, 1, 1),               // Kg 200: two M tiles, ragged
        make(1, 48, 20, 20, 96, 3, 2, 1, 1, 2),          // groups 2, Kg 48, stride 2
        make(1, 16, 30, 29, 24, 5, 1, 4, 2),             // dilation 2, pad 4
        make(3, 3, 40, 40, 64, 7, 2, 3),                 // stem-like, CRS 147 not a multiple of 8
        make(1, 130, 9, 9, 130, 3, 1, 1),                // CRS 1170: 147 steps
        make(4, 8, 8, 8, 8, 1, 1, 0),                    // 1x1
        make(1, 12, 12, 12, 12, 3, 1, 1, 1, 12),         // depthwise
    };
    for (std::size_t i = 0; i < std::size(larger); ++i)
        for (int v = 0; v < first_ci_variant + num_ci_variants; ++v)
            for (int splits : {1, 3}) {
                if (quick && (v % 4 != 0 || splits != 1) && v < first_ci_variant) continue;
                const std::size_t Cg = larger[i].C / larger[i].groups;
                if (v >= first_ci_variant && Cg % 8 != 0) continue;  // channel-inner: groups of 8k channels
                g_context = std::string("shape [") + variant_name(v) + ", splits " + std::to_string(splits) + "] " +
                            describe(larger[i]);
                const double err = run_variant(v, larger[i], true, splits, rng, true);
                ++runs;
                if (!(err <= tolerance(v))) fail("error " + std::to_string(err) + " > " + std::to_string(tolerance(v)));
            }

    // 3. The channel-inner K order on the wider configurations, their channels rounded to groups of
    //    8, 16 or 24 (the order needs whole steps of 8 channels at one kernel tap).
    const auto wide = conv2d_test::wide_configs(quick ? 36 : 150, 2026u);
    for (std::size_t i = 0; i < wide.size(); ++i) {
        conv2d_params p = wide[i];
        p.C = p.groups * 8 * (1 + i % 3);
        const int v = first_ci_variant + int(i % num_ci_variants);
        const int splits = int((i / num_ci_variants) % 3) + 1;
        g_context = "wide config " + std::to_string(i) + " [" + variant_name(v) + ", splits " +
                    std::to_string(splits) + "] " + describe(p);
        const double err = run_variant(v, p, i % 2 == 0, splits, rng);
        ++runs;
        if (!(err <= tolerance(v))) fail("error " + std::to_string(err) + " > " + std::to_string(tolerance(v)));
    }

    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("igemm emulation: %d kernel runs, %d failures (%.1f s)\n", runs, g_failures, secs);
    std::printf(g_failures == 0 ? "igemm emulation: PASS\n" : "igemm emulation: FAIL\n");
    return g_failures == 0 ? 0 : 1;
}
