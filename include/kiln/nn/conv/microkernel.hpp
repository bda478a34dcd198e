// kiln/nn/conv/microkernel.hpp: the register-blocked multiply-accumulate every fast cpu convolution
// path ends in. One call computes an MA x NB tile of vectors
//
//   C(i, j) (+)= sum over taps t of  A(i, t) * B(j, t)        i < MA, j < NB
//
// where A(i, t) is a scalar broadcast to all lanes and B(j, t) is a vector of L = simd::width<T>
// consecutive elements:
//
//   A(i, t) = a[t * a_t + i * a_i]            e.g. weight of output channel i, tap t
//   B(j, t) = b[boff[t] + j * L .. + L)       e.g. L output columns' input pixels for tap t
//   C(i, j) = c[i * c_i + j * L .. + L)
//
// MA*NB accumulators stay in registers for the whole tap loop (MA*NB <= max_acc: 24 with 32 vector
// registers, 12 with 16); per tap the kernel loads NB vectors and MA scalars for MA*NB fused
// multiply-adds.
// The tap order is fixed, so a tile's result never depends on how the caller schedules tiles.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "../../config.hpp"
#include "simd_ops.hpp"

namespace kiln::nn::kernels::conv_detail {

template <class T>
struct gemm_tile {
    enum init_kind : int { zero, accumulate, row_bias };

    std::size_t taps = 0;
    const T* a = nullptr;
    std::ptrdiff_t a_t = 1, a_i = 0;
    const T* b = nullptr;
    const std::ptrdiff_t* boff = nullptr;
    T* c = nullptr;
    std::ptrdiff_t c_i = 0;
    std::size_t last = vec<T>::L;  // lanes of the last vector (j = NB-1) that exist in C (and in B if partial)
    init_kind init = zero;         // C starts at 0, at its current value, or at bias[i]
    const T* bias = nullptr;       // row_bias: may be null (then 0)
};

// Fully unrolled constant-trip loops, so the accumulator arrays live in registers.
// (KILN_CONV_UNROLL16 for loops over the lanes of an AVX-512 float vector.)
// KILN_CONV_UNROLL_TAPS: the tap loops of the micro-kernels, four taps per iteration. A 6x2 AVX2 tap
// is 20 instructions of work (2 loads, 6 broadcasts, 12 FMAs) and 5-6 of loop (the tap's B offset,
// the pointer steps, the counter and branch); four taps share the counter and branch. S5 at 1 thread
// on a Zen 3 core, minima of 30 repetitions in alternated rounds: 2.61-2.74 -> 2.53-2.58 ms (unrolling
// by 2 or 3 gained nothing, by 8 no more than 4).
#if defined(__clang__) && !defined(__CUDACC__)
#define KILN_CONV_UNROLL _Pragma("clang loop unroll(full)")
#define KILN_CONV_UNROLL16 _Pragma("clang loop unroll(full)")
#define KILN_CONV_UNROLL_TAPS _Pragma("clang loop unroll_count(4)")
#elif defined(__GNUC__) && !defined(__CUDACC__)
#define KILN_CONV_UNROLL _Pragma("GCC unroll 8")
#define KILN_CONV_UNROLL16 _Pragma("GCC unroll 16")
#define KILN_CONV_UNROLL_TAPS _Pragma("GCC unroll 4")
#else
#define KILN_CONV_UNROLL
#define KILN_CONV_UNROLL16
#define KILN_CONV_UNROLL_TAPS
#endif

// The tap loop of ukernel. PB: 1 the last B vector is loaded with only g.last lanes, 0 it is whole,
// -1 either, decided per tap by pb (where a partial load is one masked instruction).
template <class T, std::size_t MA, std::size_t NB, int PB>
KILN_SIMD_INLINE void ukernel_taps(const gemm_tile<T>& g, bool pb, typename vec<T>::B (&acc)[MA][NB]) {
    using V = vec<T>;
    using B = typename V::B;
    constexpr std::ptrdiff_t L = static_cast<std::ptrdiff_t>(V::L);
    const std::size_t last = g.last;
    const T* a = g.a;
    const T* bb = g.b;
    const std::ptrdiff_t* off = g.boff;
    const std::ptrdiff_t a_t = g.a_t, a_i = g.a_i;
    KILN_CONV_UNROLL_TAPS
    for (std::size_t t = 0; t < g.taps; ++t, a += a_t) {
        const T* bp = bb + off[t];
        B bv[NB];
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j + 1 < NB; ++j) bv[j] = V::load(bp + std::ptrdiff_t(j) * L);
        const T* lp = bp + std::ptrdiff_t(NB - 1) * L;
        if constexpr (PB < 0)
            bv[NB - 1] = pb ? V::load_n(lp, last) : V::load(lp);
        else if constexpr (PB == 1)
            bv[NB - 1] = V::load_n(lp, last);
        else
            bv[NB - 1] = V::load(lp);
        KILN_CONV_UNROLL
        for (std::size_t i = 0; i < MA; ++i) {
            const B av = V::bcast(a[std::ptrdiff_t(i) * a_i]);
            KILN_CONV_UNROLL
            for (std::size_t j = 0; j < NB; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
        }
    }
}

// partial_b: the last B vector is loaded with only `last` lanes (its memory may end there).
template <class T, std::size_t MA, std::size_t NB>
void ukernel(const gemm_tile<T>& g, bool partial_b) {
    using V = vec<T>;
    using B = typename V::B;
    constexpr std::ptrdiff_t L = static_cast<std::ptrdiff_t>(V::L);
    const bool partial = g.last < V::L;
    const std::size_t last = g.last;
    const bool pb = partial_b && partial;

    // An accumulating tile adds C's old value at the end, after the taps.
    B acc[MA][NB];
    const B init = V::zero();
    KILN_CONV_UNROLL
    for (std::size_t i = 0; i < MA; ++i) {
        const B a0 = g.init == gemm_tile<T>::row_bias && g.bias ? V::bcast(g.bias[i]) : init;
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j < NB; ++j) {
            acc[i][j] = a0;
        }
    }

    // With masked loads (AVX2, AVX-512) one loop serves both cases. Without them a partial load takes
    // a few instructions and a register more, which in the same loop would push accumulators out to
    // the stack (SSE2 without FMA: 6x2 tiles use all 16 registers), so the partial case gets its own.
    if constexpr (V::avx512 || V::avx2) {
        ukernel_taps<T, MA, NB, -1>(g, pb, acc);
    } else {
        if (pb)
            ukernel_taps<T, MA, NB, 1>(g, pb, acc);
        else
            ukernel_taps<T, MA, NB, 0>(g, pb, acc);
    }

    KILN_CONV_UNROLL
    for (std::size_t i = 0; i < MA; ++i) {
        T* cp = g.c + std::ptrdiff_t(i) * g.c_i;
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j < NB; ++j) {
            T* p = cp + std::ptrdiff_t(j) * L;
            const bool part = j == NB - 1 && partial;
            if (g.init == gemm_tile<T>::accumulate) acc[i][j] = acc[i][j] + (part ? V::load_n_lean(p, last) : V::load(p));
            if (part)
                V::store_n(p, acc[i][j], last);
            else
                V::store(p, acc[i][j]);
        }
    }
}

// The tile shapes: ma <= 6 output rows, nb <= 8 vectors, ma * nb <= max_acc (the callers never ask
// for more). max_acc comes from the target's vector register file: the accumulators, the B vectors
// of a tap and a broadcast A must all stay in registers, or every tap spills and reloads them.
//   32 registers (AVX-512, AArch64): 24 accumulators (6x4: 24 + 4 B + 1 = 29 registers)
//   16 registers (SSE2 .. AVX2):     12 accumulators (6x2: 12 + 2 + 1 = 15)
// A tile_mask says which tiles a caller may ask for (bit (ma-1)*max_nb + nb-1); only those are
// compiled. A caller that knows its tiles at compile time (direct.hpp, for an nn::Conv2D's static
// channel count) compiles a few instead of all of them: they are the largest code a Conv2D
// instantiates.
#if KILN_CONV_AVX512 || defined(__aarch64__)
inline constexpr std::size_t vector_registers = 32;
#else
inline constexpr std::size_t vector_registers = 16;
#endif
inline constexpr std::size_t max_acc = vector_registers >= 32 ? 24 : 12;
inline constexpr std::size_t max_ma = 6;
inline constexpr std::size_t max_nb = 8;
// The widest tile of max_ma rows: the shape of the GEMMs that run at full width (Winograd's).
inline constexpr std::size_t wide_nb = max_acc / max_ma;

using tile_mask = std::uint64_t;

constexpr tile_mask tile_bit(std::size_t ma, std::size_t nb) { return tile_mask(1) << ((ma - 1) * max_nb + (nb - 1)); }

// ma x 1 .. ma x nb_max (those with ma * nb <= max_acc).
constexpr tile_mask tile_row(std::size_t ma, std::size_t nb_max) {
    tile_mask m = 0;
    for (std::size_t nb = 1; nb <= nb_max && nb <= max_nb && ma * nb <= max_acc; ++nb) m |= tile_bit(ma, nb);
    return m;
}
// Every ma x nb with ma <= ma_max, nb <= nb_max and ma * nb <= max_acc.
constexpr tile_mask tiles_up_to(std::size_t ma_max, std::size_t nb_max) {
    tile_mask m = 0;
    for (std::size_t ma = 1; ma <= ma_max && ma <= max_ma; ++ma) m |= tile_row(ma, nb_max);
    return m;
}
inline constexpr tile_mask all_tiles = tiles_up_to(max_ma, max_nb);

template <class T, tile_mask Mask, std::size_t I>
constexpr auto ukernel_entry() {
    constexpr std::size_t ma = I / max_nb + 1, nb = I % max_nb + 1;
    if constexpr (ma * nb <= max_acc && (Mask & tile_bit(ma, nb)) != 0)
        return &ukernel<T, ma, nb>;
    else
        return static_cast<void (*)(const gemm_tile<T>&, bool)>(nullptr);
}

template <class T, tile_mask Mask, std::size_t... I>
constexpr auto make_ukernel_table(std::index_sequence<I...>) {
    using fn = void (*)(const gemm_tile<T>&, bool);
    return std::array<fn, sizeof...(I)>{ukernel_entry<T, Mask, I>()...};
}

[[noreturn]] KILN_NOINLINE inline void ukernel_missing(std::size_t ma, std::size_t nb) {
    throw std::logic_error("kiln: internal error: the conv2d micro-kernel tile " + std::to_string(ma) + "x" +
                           std::to_string(nb) + " was not compiled for this convolution (tile mask too narrow)");
}

// Runs the ma x nb kernel (1 <= ma <= max_ma, 1 <= nb <= max_nb, ma * nb <= max_acc, and in Mask).
template <class T, tile_mask Mask = all_tiles>
inline void run_ukernel(std::size_t ma, std::size_t nb, bool partial_b, const gemm_tile<T>& g) {
    static constexpr auto tab = make_ukernel_table<T, Mask>(std::make_index_sequence<max_ma * max_nb>{});
    const auto f = tab[(ma - 1) * max_nb + (nb - 1)];
    if (!f) ukernel_missing(ma, nb);
    f(g, partial_b);
}

}  // namespace kiln::nn::kernels::conv_detail
