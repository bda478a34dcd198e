// kiln/nn/conv/winograd.hpp: Winograd F(4x4, 3x3) convolution (conv2d_algo::winograd) for 3x3
// kernels, stride 1, dilation 1, groups 1, any padding.
//
// The output is cut into 4x4 tiles (the last row/column of tiles may overhang and is clipped); tile
// (ti, tj) reads the 6x6 input window at (4ti - pad_h, 4tj - pad_w), zeros outside the image. With
// the interpolation points 0, 1, -1, 2, -2, inf (Lavin & Gray):
//
//   U = G g G^T  (weights, 6x6 per (k, c))           V = B^T d B  (input, 6x6 per (tile, c))
//   M = sum over c of U .* V  (36 GEMMs, one per point)   y = A^T M A  (4x4 per (tile, k))
//
// (U is computed as G' g G'^T with the integer rows G' = diag(4, -6, -6, 24, 24, 1) G, and M is
// scaled back before the output transform: see wino::ker6.)
//
//   B^T = [4  0 -5  0 1 0]   G = [ 1/4     0    0 ]   A^T = [1 1  1 1  1 0]
//         [0 -4 -4  1 1 0]       [-1/6 -1/6 -1/6 ]         [0 1 -1 2 -2 0]
//         [0  4 -4 -1 1 0]       [-1/6  1/6 -1/6 ]         [0 1  1 4  4 0]
//         [0 -2 -1  2 1 0]       [1/24 1/12  1/6 ]         [0 1 -1 8 -8 1]
//         [0  2 -1 -2 1 0]       [1/24 -1/12 1/6 ]
//         [0  4  0 -5 0 1]       [  0     0    1 ]
//
// 4x fewer multiplications than direct (36 per 16 outputs and channel instead of 144), at the price
// of the three transforms and some rounding error (measured in conv2d_kernels.hpp). U is laid out
// U[pt][c][k] (k contiguous); V and M come in two layouts, chosen from the shape:
//
// * channel layout (few tiles, many channels, e.g. 14x14 images): V[pt][tile][c], M[pt][tile][k].
//   A point's GEMM M = V x U is a micro-kernel with A = V (one tile's value of channel c,
//   broadcast), B = U (L output channels), C = M: 6 tiles x 4 vectors of output channels
//   (wino_cl_gemm, the generic kernel's sums with a fixed B stride; the generic one for a narrower
//   last block of output channels). The transforms are vectorised over channels: the input
//   transform loads L columns of L channels per input row and transposes them in registers, the
//   output transform transposes the rows of L/4 tiles into one store per output channel (vectors of
//   fewer lanes than that gather and scatter instead).
// * tile layout (wide images, e.g. 56x56): V[pt][c][tile], M[pt][k][tile]. A = U (output channel
//   k, broadcast), B = V (L consecutive tiles), C = M: 6 output channels x up to 4 vectors of tiles.
//   A parallel block is a run of whole tile rows (up to 7 vectors of tiles).
//   The transforms are vectorised over up to L consecutive tiles of a tile row: the input window
//   rows are loaded as vectors and split into the 6 columns of each tile (column 4u + s of tile u)
//   by lane permutations; the output goes the other way, 4 vectors of tile columns interleaved into
//   contiguous output rows. (AVX-512 permutations; other targets use scalar loops.)
//
// Buffers are point-major, so a point's GEMM walks contiguous rows; every per-point stride is padded
// by L elements so the 36 values of one tile never land in the same cache set. Blocking depends only
// on the shape: U for all (c, k) is computed once when it is small (at most 2 MB), otherwise per
// (64 channels, block of output channels) inside each parallel block, from raw weights that the
// previous block's GEMMs prefetched (one line per tap: the transform is otherwise bound by waiting
// on them). Parallel blocks are (tile block, output-channel block). When several output-channel
// blocks need the same tiles, each thread computes V for all tiles once per call into its own
// buffer (a V shared between the cores, computed in parallel, was slower: S3 at 2 threads with
// prepared weights 1.44-1.46 ms against 1.32-1.39); else V is computed inside the block (where M
// may then overwrite it, see conv_winograd).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../../parallel.hpp"
#include "microkernel.hpp"
#include "params.hpp"
#include "phased.hpp"
#include "scratch.hpp"

namespace kiln::nn::kernels::conv_detail {

template <class T>
struct wino {
    using V = vec<T>;
    using B = typename V::B;
    static constexpr std::size_t L = V::L;

    // t = B^T d (6 -> 6), d[i] at d[i * stride]
    static void in6(const B* d, B* t, std::size_t stride = 1) {
        const B &d0 = d[0], &d1 = d[stride], &d2 = d[2 * stride], &d3 = d[3 * stride], &d4 = d[4 * stride],
                &d5 = d[5 * stride];
        const B a = V::fma(V::bcast(T(-4)), d2, d4);  // d4 - 4 d2
        const B b = V::fma(V::bcast(T(-4)), d1, d3);  // d3 - 4 d1
        const B c = d4 - d2;
        const B e = V::bcast(T(2)) * (d3 - d1);
        t[0] = V::fma(V::bcast(T(4)), d0, V::fma(V::bcast(T(-5)), d2, d4));
        t[1] = a + b;
        t[2] = a - b;
        t[3] = c + e;
        t[4] = c - e;
        t[5] = V::fma(V::bcast(T(4)), d1, V::fma(V::bcast(T(-5)), d3, d5));
    }
    // u = G' g (3 -> 6), G' = diag(4, -6, -6, 24, 24, 1) G = [1 0 0; 1 1 1; 1 -1 1; 1 2 4; 1 -2 4; 0 0 1]:
    // integer rows, cheap on the (K x C) weights; the row factors d = 1/4, -1/6, -1/6, 1/24, 1/24, 1
    // of G are applied to M instead (m_scale), which is only (tiles x K).
    static void ker6(const B* g, B* u) {
        const B s = g[0] + g[2];
        const B p = V::fma(V::bcast(T(4)), g[2], g[0]);
        const B q = g[1] + g[1];
        u[0] = g[0];
        u[1] = s + g[1];
        u[2] = s - g[1];
        u[3] = p + q;
        u[4] = p - q;
        u[5] = g[2];
    }
    // d[xi] * d[nu] for point e = 6 xi + nu: U = diag(d) G' g G'^T diag(d), so U .* V = (G' g G'^T) .* V
    // scaled by this table, applied to M before the output transform.
    // (A table: computing e / 6 and e % 6 per load cost more than the multiply.)
    static constexpr std::array<T, 36> m_scales = [] {
        constexpr T d[6] = {T(1) / T(4), T(-1) / T(6), T(-1) / T(6), T(1) / T(24), T(1) / T(24), T(1)};
        std::array<T, 36> a{};
        for (std::size_t e = 0; e < 36; ++e) a[e] = d[e / 6] * d[e % 6];
        return a;
    }();
    static T m_scale(std::size_t e) { return m_scales[e]; }
    // o = A^T m (6 -> 4)
    static void out4(const B* m, B* o) {
        const B s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
        o[0] = m[0] + s12 + s34;
        o[1] = V::fma(V::bcast(T(2)), d34, d12);
        o[2] = V::fma(V::bcast(T(4)), s34, s12);
        o[3] = V::fma(V::bcast(T(8)), d34, d12) + m[5];
    }
};

struct wino_geometry {
    std::size_t N, C, H, W, K, P, Q, TH, TW, tiles;
    std::ptrdiff_t pad_h, pad_w;
    std::size_t Cp, Kp;  // C and K rounded up to the simd width
};

enum class wino_layout { automatic, channels, tiles };

// The column pass of the input transform: V = B^T t for one tile whose row pass t = d B (6x6,
// row-major) is done; store(e, v) receives V[e], e = 6*xi + nu.
template <class T, class Store>
inline void wino_input_cols(const typename wino<T>::B* t, Store&& store) {
    using W_ = wino<T>;
    for (std::size_t nu = 0; nu < 6; ++nu) {
        typename W_::B o[6];
        W_::in6(t + nu, o, 6);
        for (std::size_t xi = 0; xi < 6; ++xi) store(xi * 6 + nu, o[xi]);
    }
}

// V = B^T d B for one tile (36 vectors, row-major, each lane independent). row(r, D) loads row r
// of d into D[0..5]; store(e, v) receives V[e], e = 6*xi + nu. The row pass (d B) runs as the rows
// arrive, so only the 6x6 intermediate goes through memory.
template <class T, class Row, class Store>
inline void wino_input_tile(Row&& row, Store&& store) {
    using W_ = wino<T>;
    using B = typename W_::B;
    B t[36];
    for (std::size_t r = 0; r < 6; ++r) {
        B D[6];
        row(r, D);
        W_::in6(D, t + r * 6);
    }
    wino_input_cols<T>(t, store);
}

// t (4x6, row-major) = A^T (m .* scale) for one tile whose 36 M vectors are at src + e*m_ps: the
// scaling and the column pass of the output transform, shared by both layouts; row r of the
// result is out4(t + 6r). Column by column, so a column's 6 values stay in registers.
template <class T>
inline void wino_output_cols_of(const T* src, std::size_t m_ps, typename wino<T>::B* t) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    KILN_CONV_UNROLL
    for (std::size_t s = 0; s < 6; ++s) {
        B col[6];
        KILN_CONV_UNROLL
        for (std::size_t xi = 0; xi < 6; ++xi)
            col[xi] = V::load(src + (6 * xi + s) * m_ps) * V::bcast(W_::m_scale(6 * xi + s));
        B o[4];
        W_::out4(col, o);
        KILN_CONV_UNROLL
        for (std::size_t r = 0; r < 4; ++r) t[r * 6 + s] = o[r];
    }
}

// U[pt][c - c_begin][k - k_begin] at U + pt*u_ps + (c - c_begin)*u_cs + (k - k_begin), for channels
// [c_begin, c_end) and output channels [k_begin, k_begin + nk) (nk a multiple of L; output channels
// >= K are zero). The weights of L output x L input channels (L rows of 9L contiguous values) are
// loaded as vectors and transposed in registers, so each tap becomes a vector over output channels.
template <class T>
void wino_weights(const wino_geometry& gm, const T* w, std::size_t c_begin, std::size_t c_end, std::size_t k_begin,
                  std::size_t nk, T* U, std::size_t u_ps, std::size_t u_cs) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    constexpr std::size_t L = W_::L;
    for (std::size_t kv = k_begin; kv < k_begin + nk; kv += L) {
        const std::size_t nl = kv < gm.K ? std::min(L, gm.K - kv) : 0;
        for (std::size_t cc = c_begin; cc < c_end; cc += L) {
            const std::size_t ncc = std::min(L, c_end - cc), row_len = ncc * 9;
            B tr[9 * L];  // tr[c*9 + e] = tap e of input channel cc + c, lanes over output channels
            const T* w_blk = w + (kv * gm.C + cc) * 9;  // row l (output channel kv + l) at w_blk + l*w_ks
            const std::size_t w_ks = gm.C * 9;
            const bool full = nl == L && ncc == L;
            for (std::size_t j = 0; j < 9; ++j) {
                B* r = tr + j * L;
                if (full) {  // the common case, without per-row tests (so the loads unroll)
                    KILN_CONV_UNROLL
                    for (std::size_t l = 0; l < L; ++l) r[l] = V::load(w_blk + l * w_ks + j * L);
                } else {
                    for (std::size_t l = 0; l < L; ++l) {
                        if (l >= nl || j * L >= row_len) {
                            r[l] = V::zero();
                            continue;
                        }
                        const T* src = w_blk + l * w_ks + j * L;
                        r[l] = row_len - j * L >= L ? V::load(src) : V::load_n(src, row_len - j * L);
                    }
                }
                V::transpose(r);
            }
            T* dst = U + (cc - c_begin) * u_cs + (kv - k_begin);
            for (std::size_t c = 0; c < ncc; ++c, dst += u_cs) {
                const B* g = tr + c * 9;
                B t[18], u[6];
                KILN_CONV_UNROLL
                for (std::size_t s = 0; s < 3; ++s) {  // t = G g, column by column (t is 6x3)
                    const B col[3] = {g[s], g[3 + s], g[6 + s]};
                    B o[6];
                    W_::ker6(col, o);
                    KILN_CONV_UNROLL
                    for (std::size_t r = 0; r < 6; ++r) t[r * 3 + s] = o[r];
                }
                T* d = dst;
                KILN_CONV_UNROLL
                for (std::size_t r = 0; r < 6; ++r) {
                    W_::ker6(t + r * 3, u);
                    KILN_CONV_UNROLL
                    for (std::size_t s = 0; s < 6; ++s, d += u_ps) V::store(d, u[s]);
                }
            }
        }
    }
}

// Where conv_winograd reads U for a (C, K) weight, so that U can be computed once ahead of the calls
// (wino_prepare, for conv2d_prepare). Either global, U[pt][c][k] for all channels at pitch Kp (when
// 36 * C * Kp values fit in 2 MB), or blocked: one block of 36 points per (output-channel block of
// nk, channel chunk of cb), U[pt][c - c0][k - k0] at pitch nk, blocks stored output-channel block
// major. Depends only on C, K and the simd width.
struct wino_u_layout {
    bool global;
    std::size_t cb, nk;      // channels per chunk, output channels per block (blocked)
    std::size_t nchunks;     // channel chunks per output-channel block (blocked)
    std::size_t ps;          // point stride of one block (global: of the whole U)
    std::size_t block_size;  // 36 * ps
    std::size_t size;        // elements in all
};

// Output channels per block of the channel layout where U is blocked (not global): 4 vectors (on
// AVX-512 one 6x4 micro-tile wide; with 16 vector registers, two 6x2 tiles).
inline constexpr std::size_t wino_block_vectors = 4;

template <class T>
wino_u_layout wino_u_layout_of(std::size_t C, std::size_t K) {
    constexpr std::size_t L = vec<T>::L, NBV = wino_block_vectors;
    const std::size_t Kp = ceil_div(K, L) * L;
    wino_u_layout u{};
    u.global = 36 * C * Kp * sizeof(T) <= (std::size_t(2) << 20);
    if (u.global) {
        u.cb = C, u.nk = Kp, u.nchunks = 1;
        u.ps = C * Kp + L;
        u.block_size = 36 * u.ps;
        u.size = u.block_size;
    } else {
        u.cb = std::min<std::size_t>(C, 64), u.nk = std::min(NBV * L, Kp), u.nchunks = ceil_div(C, u.cb);
        u.ps = u.cb * u.nk + L;
        u.block_size = 36 * u.ps;
        u.size = ceil_div(Kp, u.nk) * u.nchunks * u.block_size;
    }
    return u;
}

// Fills U (wino_u_layout_of<T>(C, K).size elements) from the weights w (K, C, 3, 3): the values
// conv_winograd would compute per call, in the same order, so results are the same bits.
template <class T>
void wino_prepare(std::size_t C, std::size_t K, const T* w, T* U) {
    constexpr std::size_t L = vec<T>::L;
    wino_geometry gm{};
    gm.C = C, gm.K = K, gm.Cp = ceil_div(C, L) * L, gm.Kp = ceil_div(K, L) * L;
    const wino_u_layout u = wino_u_layout_of<T>(C, K);
    if (u.global) {  // one output-channel vector per block: the transform writes disjoint columns
        kiln::parallel_for(gm.Kp / L, [&](std::size_t kb) {
            wino_weights(gm, w, 0, C, kb * L, L, U + kb * L, u.ps, gm.Kp);
        });
        return;
    }
    kiln::parallel_for(ceil_div(gm.Kp, u.nk) * u.nchunks, [&](std::size_t blk) {
        const std::size_t k0 = blk / u.nchunks * u.nk, c0 = blk % u.nchunks * u.cb;
        wino_weights(gm, w, c0, std::min(C, c0 + u.cb), k0, std::min(u.nk, gm.Kp - k0), U + blk * u.block_size,
                     u.ps, u.nk);
    });
}

// ---- channel layout

// The point GEMM of the channel layout, MA tiles x NB vectors of output channels:
//
//   C(i, j) (+)= sum over c < taps of  a[i * a_i + c] * b[c * b_c + j * L .. + L)
//
// The same products in the same order as the generic micro-kernel (accumulate from zero over the
// taps, then add C's old value), so results are unchanged; but B rows are a fixed stride apart (no
// offset table) and A is read with unit stride, which leaves fewer non-FMA instructions per tap in
// the hot loop.
template <class T, std::size_t MA, std::size_t NB>
void wino_cl_gemm(const T* a, std::ptrdiff_t a_i, const T* b, std::ptrdiff_t b_c, T* c, std::ptrdiff_t c_i,
                  std::size_t taps, bool accumulate, line_span pf) {
    using V = vec<T>;
    using B = typename V::B;
    constexpr auto L = std::ptrdiff_t(V::L);
    B acc[MA][NB];
    KILN_CONV_UNROLL
    for (std::size_t i = 0; i < MA; ++i) {
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j < NB; ++j) acc[i][j] = V::zero();
    }
    KILN_CONV_UNROLL_TAPS
    for (std::size_t t = 0; t < taps; ++t, b += b_c) {
        if (t < pf.lines) prefetch_line(pf.first + 64 * t);  // a line per tap, for the caller
        B bv[NB];
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j < NB; ++j) bv[j] = V::load(b + std::ptrdiff_t(j) * L);
        KILN_CONV_UNROLL
        for (std::size_t i = 0; i < MA; ++i) {
            const B av = V::bcast(a[std::ptrdiff_t(i) * a_i + std::ptrdiff_t(t)]);
            KILN_CONV_UNROLL
            for (std::size_t j = 0; j < NB; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
        }
    }
    KILN_CONV_UNROLL
    for (std::size_t i = 0; i < MA; ++i) {
        KILN_CONV_UNROLL
        for (std::size_t j = 0; j < NB; ++j) {
            T* p = c + std::ptrdiff_t(i) * c_i + std::ptrdiff_t(j) * L;
            V::store(p, accumulate ? acc[i][j] + V::load(p) : acc[i][j]);
        }
    }
}

// wino_cl_gemm with 1 <= ma <= 6 tiles and wide_nb vectors of output channels (4 with 32 vector
// registers, 2 with 16: microkernel.hpp).
template <class T>
inline void run_wino_cl_gemm(std::size_t ma, const T* a, std::ptrdiff_t a_i, const T* b, std::ptrdiff_t b_c, T* c,
                             std::ptrdiff_t c_i, std::size_t taps, bool accumulate, line_span pf = {}) {
    using fn = void (*)(const T*, std::ptrdiff_t, const T*, std::ptrdiff_t, T*, std::ptrdiff_t, std::size_t, bool,
                        line_span);
    static_assert(max_ma == 6);
    constexpr std::size_t NB = wide_nb;
    static constexpr fn tab[6] = {&wino_cl_gemm<T, 1, NB>, &wino_cl_gemm<T, 2, NB>, &wino_cl_gemm<T, 3, NB>,
                                  &wino_cl_gemm<T, 4, NB>, &wino_cl_gemm<T, 5, NB>, &wino_cl_gemm<T, 6, NB>};
    tab[ma - 1](a, a_i, b, b_c, c, c_i, taps, accumulate, pf);
}

// V[pt][f - f_begin][c] at V + pt*v_ps + (f - f_begin)*v_ss + c, for tiles [f_begin, f_end) and
// channels [c_begin, c_end) (c_begin a multiple of L; lanes past c_end are written as zeros).
//
// A tile's input vectors run over L channels, which lie H*W apart in memory. Where a vector holds
// at least 6 lanes, GI tiles side by side (same tile row) are done together: per input row, L
// contiguous columns of each of the L channels are loaded and transposed in registers, which gives
// every column as a vector over channels for all GI tiles (their 6-column windows overlap by 2).
// Elsewhere each value is gathered. Both read the same values, so V is the same.
template <class T>
void wino_input_cl(const wino_geometry& gm, const T* x, std::size_t f_begin, std::size_t f_end, std::size_t c_begin,
                   std::size_t c_end, T* Vb, std::size_t v_ps, std::size_t v_ss) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    constexpr std::size_t L = W_::L;
    const std::size_t HW = gm.H * gm.W;
    const auto H = std::ptrdiff_t(gm.H), Wd = std::ptrdiff_t(gm.W);
    constexpr std::size_t GI = L >= 6 ? (L - 2) / 4 : 0;  // tiles whose windows fit in L columns
    if constexpr (GI > 0) {
        for (std::size_t f = f_begin; f < f_end;) {
            const std::size_t tj = f % gm.TW, ti = (f / gm.TW) % gm.TH, n = f / (gm.TW * gm.TH);
            const std::size_t nt = std::min({GI, gm.TW - tj, f_end - f});
            const std::ptrdiff_t iy0 = std::ptrdiff_t(4 * ti) - gm.pad_h, ix0 = std::ptrdiff_t(4 * tj) - gm.pad_w;
            const typename V::lanes in_row = V::lane_range(-ix0, Wd - ix0);  // columns inside [0, W)
            for (std::size_t cv = c_begin; cv < c_end; cv += L) {
                const std::size_t nl = std::min(L, c_end - cv);
                const T* base = x + (n * gm.C + cv) * HW;
                // Per input row: the L channel rows are loaded and transposed in registers, and
                // the row pass of every tile (t = d B, 6 columns -> 6) runs on those registers;
                // only its results go through memory (not the loaded rows or transposed columns).
                B t[GI][36];  // t[q][6r + s]: tile q's row pass, lane j: channel cv + j
                for (std::size_t r = 0; r < 6; ++r) {
                    const std::ptrdiff_t iy = iy0 + std::ptrdiff_t(r);
                    B cr[L];  // cr[i] lane j: channel cv + j, input row iy, column ix0 + i
                    if (iy < 0 || iy >= H) {
                        KILN_CONV_UNROLL16
                        for (std::size_t i = 0; i < L; ++i) cr[i] = V::zero();
                    } else {
                        const T* src = base + std::size_t(iy) * gm.W;
                        if (nl == L) {
                            KILN_CONV_UNROLL16
                            for (std::size_t j = 0; j < L; ++j) cr[j] = V::load_lanes(src + j * HW, ix0, in_row);
                        } else {
                            for (std::size_t j = 0; j < L; ++j)
                                cr[j] = j < nl ? V::load_lanes(src + j * HW, ix0, in_row) : V::zero();
                        }
                        V::transpose(cr);
                    }
                    KILN_CONV_UNROLL
                    for (std::size_t q = 0; q < GI; ++q) W_::in6(cr + 4 * q, t[q] + 6 * r);
                }
                for (std::size_t q = 0; q < nt; ++q) {
                    T* dst = Vb + (f + q - f_begin) * v_ss + cv;
                    wino_input_cols<T>(t[q], [&](std::size_t e, const B& v) { V::store(dst + e * v_ps, v); });
                }
            }
            f += nt;
        }
    } else {
        const typename V::lane_index idx{std::ptrdiff_t(HW)};
        for (std::size_t f = f_begin; f < f_end; ++f) {
            const std::size_t tj = f % gm.TW, ti = (f / gm.TW) % gm.TH, n = f / (gm.TW * gm.TH);
            const std::ptrdiff_t iy0 = std::ptrdiff_t(4 * ti) - gm.pad_h, ix0 = std::ptrdiff_t(4 * tj) - gm.pad_w;
            const bool inside = iy0 >= 0 && ix0 >= 0 && iy0 + 6 <= H && ix0 + 6 <= Wd;
            T* dst = Vb + (f - f_begin) * v_ss;
            for (std::size_t cv = c_begin; cv < c_end; cv += L) {
                const std::size_t nl = std::min(L, c_end - cv);
                const T* base = x + (n * gm.C + cv) * HW;
                wino_input_tile<T>(
                    [&](std::size_t r, B* D) {
                        const std::ptrdiff_t iy = iy0 + std::ptrdiff_t(r);
                        for (std::ptrdiff_t s = 0; s < 6; ++s) {
                            const std::ptrdiff_t ix = ix0 + s;
                            D[s] = (inside || (iy >= 0 && iy < H && ix >= 0 && ix < Wd))
                                       ? V::gather(base + iy * Wd + ix, idx, nl)
                                       : V::zero();
                        }
                    },
                    [&](std::size_t e, const B& v) { V::store(dst + e * v_ps + cv, v); });
            }
        }
    }
}

// y for tiles [f_begin, f_end) and output channels [k_begin, k_end) from M[pt][f - f_begin][k - k_begin]
// at M + pt*m_ps + (f - f_begin)*m_ss + (k - k_begin), plus bias.
//
// A tile's output vectors run over L output channels, P*Q apart in y. Where a vector holds at least
// 4 lanes, GO = L/4 tiles side by side (same tile row) are done together: their 4 output columns
// each give, per output row, L vectors over channels, transposed in registers into one run of L
// columns per channel, stored with one (masked) store. Elsewhere each value is scattered.
template <class T>
void wino_output_cl(const wino_geometry& gm, const T* M, std::size_t m_ps, std::size_t m_ss, std::size_t f_begin,
                    std::size_t f_end, std::size_t k_begin, std::size_t k_end, const T* bias, T* y) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    constexpr std::size_t L = W_::L;
    const std::size_t Q = gm.Q, PQ = gm.P * Q;  // (locals: the stores to y could alias gm)
    constexpr std::size_t GO = L / 4;  // tiles per transposed run
    if constexpr (GO > 0) {
        for (std::size_t f = f_begin; f < f_end;) {
            const std::size_t tj = f % gm.TW, ti = (f / gm.TW) % gm.TH, n = f / (gm.TW * gm.TH);
            const std::size_t nt = std::min({GO, gm.TW - tj, f_end - f});
            const std::size_t rows = std::min<std::size_t>(4, gm.P - 4 * ti);
            const std::size_t cols = std::min(4 * nt, gm.Q - 4 * tj);
            for (std::size_t kv = k_begin; kv < k_end; kv += L) {
                const std::size_t nl = std::min(L, k_end - kv);
                const B b = bias ? V::load_n(bias + kv, nl) : V::zero();
                T* dst = y + ((n * gm.K + kv) * gm.P + 4 * ti) * gm.Q + 4 * tj;
                B R[4][L];  // R[r][4q + s] lane j: output channel kv + j, row 4ti + r, column 4(tj + q) + s
                for (std::size_t q = 0; q < GO; ++q) {
                    if (q >= nt) {
                        for (std::size_t r = 0; r < 4; ++r)
                            for (std::size_t s = 0; s < 4; ++s) R[r][4 * q + s] = V::zero();
                        continue;
                    }
                    B t[24], o[4];
                    wino_output_cols_of<T>(M + (f + q - f_begin) * m_ss + (kv - k_begin), m_ps, t);
                    for (std::size_t r = 0; r < 4; ++r) {
                        W_::out4(t + r * 6, o);
                        for (std::size_t s = 0; s < 4; ++s) R[r][4 * q + s] = o[s] + b;
                    }
                }
                for (std::size_t r = 0; r < rows; ++r) {
                    V::transpose(R[r]);  // R[r][j] lane i: output channel kv + j, column 4tj + i
                    for (std::size_t j = 0; j < nl; ++j) V::store_n(dst + j * PQ + r * Q, R[r][j], cols);
                }
            }
            f += nt;
        }
    } else {
        const typename V::lane_index idx{std::ptrdiff_t(PQ)};
        for (std::size_t f = f_begin; f < f_end; ++f) {
            const std::size_t tj = f % gm.TW, ti = (f / gm.TW) % gm.TH, n = f / (gm.TW * gm.TH);
            const std::size_t rows = std::min<std::size_t>(4, gm.P - 4 * ti), cols = std::min<std::size_t>(4, gm.Q - 4 * tj);
            const T* src = M + (f - f_begin) * m_ss;
            for (std::size_t kv = k_begin; kv < k_end; kv += L) {
                const std::size_t nl = std::min(L, k_end - kv);
                B t[24], o[4];
                wino_output_cols_of<T>(src + (kv - k_begin), m_ps, t);
                const B b = bias ? V::load_n(bias + kv, nl) : V::zero();
                T* dst = y + ((n * gm.K + kv) * gm.P + 4 * ti) * gm.Q + 4 * tj;
                for (std::size_t r = 0; r < rows; ++r) {
                    W_::out4(t + r * 6, o);
                    for (std::size_t s = 0; s < cols; ++s) V::scatter(dst + r * gm.Q + s, idx, o[s] + b, nl);
                }
            }
        }
    }
}

// ---- tile layout

// Lane permutations of the tile layout (AVX-512 float and double; scalar elsewhere).
template <class T>
struct tile_lanes {
    using V = vec<T>;
    using B = typename V::B;
    static constexpr std::size_t L = V::L;
    // The permutes run in registers (else through a buffer in memory).
    static constexpr bool in_registers = V::avx512;

    // The 5L input columns [col0, col0 + 5L) of a run, as 5 vectors with their valid lanes (inside
    // [0, W)); the same for every row of the run.
    struct window_plan {
        std::ptrdiff_t col0, W;
        typename V::lanes part[5];
        window_plan(std::ptrdiff_t c0, std::ptrdiff_t w) : col0(c0), W(w) {
            const auto Ls = std::ptrdiff_t(L);
            for (std::ptrdiff_t m = 0; m < 5; ++m) part[m] = V::lane_range(-(c0 + m * Ls), W - (c0 + m * Ls));
        }
    };

    // D[s] lane u = row[col0 + 4u + s] (0 outside [0, W)), for s < 6 and u < L.
    static void window(const T* row, const window_plan& wp, B* D) {
#if KILN_CONV_AVX512
        if constexpr (V::avx512) {
            B v[5];
            for (std::ptrdiff_t m = 0; m < 5; ++m) v[m] = V::load_lanes(row, wp.col0 + m * std::ptrdiff_t(L), wp.part[m]);
            deinterleave(v, D);
        } else
#endif
        {
            alignas(64) T d[6][L];
            for (std::size_t s = 0; s < 6; ++s)
                for (std::size_t u = 0; u < L; ++u) {
                    const std::ptrdiff_t c = wp.col0 + std::ptrdiff_t(4 * u + s);
                    d[s][u] = c >= 0 && c < wp.W ? row[c] : T(0);
                }
            for (std::size_t s = 0; s < 6; ++s) D[s] = B::load_aligned(d[s]);
        }
    }

    // The valid lanes of the 4 output vectors of a run with n output columns.
    struct store_plan {
        std::size_t n;
        typename V::lanes part[4];
        explicit store_plan(std::size_t cols) : n(cols) {
            for (std::ptrdiff_t m = 0; m < 4; ++m)
                part[m] = V::lane_range(0, std::ptrdiff_t(cols) - m * std::ptrdiff_t(L));
        }
    };

    // Output columns 4u + j (u < L, j < 4) from O[j] lane u, written to dst[0, sp.n) (n <= 4L).
    static void store_interleaved(T* dst, const B* O, const store_plan& sp) {
#if KILN_CONV_AVX512
        if constexpr (V::avx512) {
            // P = lanes of O0, O1 alternating (first / second half), Q likewise for O2, O3; then
            // output vector m takes tiles 2m'.. from P and Q in groups of four columns.
            const ivec lo = index(t_zlo), hi = index(t_zhi), ix0 = index(t_ix0), ix1 = index(t_ix1);
            const B P0 = permute2(O[0], lo, O[1]), P1 = permute2(O[0], hi, O[1]);
            const B Q0 = permute2(O[2], lo, O[3]), Q1 = permute2(O[2], hi, O[3]);
            for (std::size_t m = 0; m * L < sp.n; ++m) {
                const B out = permute2(m < 2 ? P0 : P1, m % 2 ? ix1 : ix0, m < 2 ? Q0 : Q1);
                V::store_lanes(dst, std::ptrdiff_t(m * L), out, sp.part[m]);
            }
        } else
#endif
        {
            alignas(64) T o[4][L];
            for (std::size_t j = 0; j < 4; ++j) O[j].store_aligned(o[j]);
            for (std::size_t c = 0; c < sp.n; ++c) dst[c] = o[c % 4][c / 4];
        }
    }

#if KILN_CONV_AVX512
    using ivec = __m512i;
    using index_t = std::conditional_t<L == 16, int, long long>;
    using index_table = std::array<index_t, L>;
    // lane l = f(l); constant tables, so loading them needs no initialisation guard
    template <class F>
    static constexpr index_table table(F f) {
        index_table t{};
        for (std::size_t l = 0; l < L; ++l) t[l] = static_cast<index_t>(f(l));
        return t;
    }
    static constexpr std::size_t mix_index(std::size_t l, std::size_t base) {
        const std::size_t pair = base + 2 * (l / 4);
        return l % 4 < 2 ? pair + l % 4 : L + pair + l % 4 - 2;
    }
    alignas(64) static constexpr index_table t_e0 = table([](std::size_t l) { return l < L / 2 ? 4 * l : 4 * (l - L / 2) + 1; });
    alignas(64) static constexpr index_table t_e1 = table([](std::size_t l) { return l < L / 2 ? 4 * l + 2 : 4 * (l - L / 2) + 3; });
    alignas(64) static constexpr index_table t_lo = table([](std::size_t l) { return l < L / 2 ? l : L + l - L / 2; });
    alignas(64) static constexpr index_table t_hi = table([](std::size_t l) { return l < L / 2 ? L / 2 + l : L + l; });
    alignas(64) static constexpr index_table t_s4 = table([](std::size_t l) { return l + 1; });
    alignas(64) static constexpr index_table t_s5 = table([](std::size_t l) { return l + 1 < L ? l + 1 : L + 1; });
    alignas(64) static constexpr index_table t_zlo = table([](std::size_t l) { return l % 2 ? L + l / 2 : l / 2; });
    alignas(64) static constexpr index_table t_zhi = table([](std::size_t l) { return (l % 2 ? L : 0) + L / 2 + l / 2; });
    alignas(64) static constexpr index_table t_ix0 = table([](std::size_t l) { return mix_index(l, 0); });
    alignas(64) static constexpr index_table t_ix1 = table([](std::size_t l) { return mix_index(l, L / 2); });
    static ivec index(const index_table& t) { return _mm512_load_si512(t.data()); }
    // lane l = (a:b)[ix[l]], indices 0..L-1 from a, L..2L-1 from b
    static B permute2(const B& a, const ivec& ix, const B& b) {
        if constexpr (std::is_same_v<T, float>)
            return B(_mm512_permutex2var_ps(a, ix, b));
        else
            return B(_mm512_permutex2var_pd(a, ix, b));
    }
    // v: 5L consecutive values r[0..5L); D[s] lane u = r[4u + s]
    static void deinterleave(const B* v, B* D) {
        const ivec e0 = index(t_e0), e1 = index(t_e1), lo = index(t_lo), hi = index(t_hi);
        const ivec s4 = index(t_s4), s5 = index(t_s5);
        const B A01 = permute2(v[0], e0, v[1]), A23 = permute2(v[0], e1, v[1]);  // phases of r[0, 2L)
        const B B01 = permute2(v[2], e0, v[3]), B23 = permute2(v[2], e1, v[3]);  // phases of r[2L, 4L)
        D[0] = permute2(A01, lo, B01);
        D[1] = permute2(A01, hi, B01);
        D[2] = permute2(A23, lo, B23);
        D[3] = permute2(A23, hi, B23);
        D[4] = permute2(D[0], s4, v[4]);
        D[5] = permute2(D[1], s5, v[4]);
    }
#endif
};

// Calls f(n, ti, tj0, len, slot) for the runs of at most L consecutive tiles of one tile row among
// tiles [f_begin, f_end); slot = first tile - f_begin.
template <class F>
inline void for_tile_runs(const wino_geometry& gm, std::size_t L, std::size_t f_begin, std::size_t f_end, F&& f) {
    for (std::size_t t = f_begin; t < f_end;) {
        const std::size_t tj = t % gm.TW, row = t / gm.TW;
        const std::size_t len = std::min({L, gm.TW - tj, f_end - t});
        f(row / gm.TH, row % gm.TH, tj, len, t - f_begin);
        t += len;
    }
}

// V[pt][c][f - f_begin] at V + pt*v_ps + c*v_cs + (f - f_begin), all channels; each run stores
// only its own tiles.
template <class T>
void wino_input_sl(const wino_geometry& gm, const T* x, std::size_t f_begin, std::size_t f_end, T* Vb,
                   std::size_t v_ps, std::size_t v_cs) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    constexpr std::size_t L = W_::L;
    const auto H = std::ptrdiff_t(gm.H), Wd = std::ptrdiff_t(gm.W);
    for (std::size_t c = 0; c < gm.C; ++c)
        for_tile_runs(gm, L, f_begin, f_end,
                      [&](std::size_t n, std::size_t ti, std::size_t tj0, std::size_t len, std::size_t slot) {
                          const T* plane = x + (n * gm.C + c) * gm.H * gm.W;
                          const std::ptrdiff_t iy0 = std::ptrdiff_t(4 * ti) - gm.pad_h;
                          const std::ptrdiff_t col0 = std::ptrdiff_t(4 * tj0) - gm.pad_w;
                          if (c + 1 < gm.C) {  // the same rows of the next channel, from memory
                              const std::ptrdiff_t ra = std::max<std::ptrdiff_t>(iy0, 0),
                                                   rb = std::min<std::ptrdiff_t>(iy0 + 6, H);
                              const std::ptrdiff_t ca = std::max<std::ptrdiff_t>(col0, 0),
                                                   cb = std::min<std::ptrdiff_t>(col0 + std::ptrdiff_t(4 * len + 2), Wd);
                              for (std::ptrdiff_t r = ra; r < rb && ca < cb; ++r)
                                  prefetch_range(plane + gm.H * gm.W + r * Wd + ca, std::size_t(cb - ca) * sizeof(T));
                          }
                          T* dst = Vb + c * v_cs + slot;
                          const typename tile_lanes<T>::window_plan wp(col0, Wd);
                          const typename V::lanes out_lanes = V::lane_range(0, std::ptrdiff_t(len));
                          wino_input_tile<T>(
                              [&](std::size_t r, B* D) {
                                  const std::ptrdiff_t iy = iy0 + std::ptrdiff_t(r);
                                  if (iy < 0 || iy >= H) {
                                      for (std::size_t s = 0; s < 6; ++s) D[s] = V::zero();
                                  } else {
                                      tile_lanes<T>::window(plane + iy * Wd, wp, D);
                                  }
                              },
                              [&](std::size_t e, const B& v) { V::store_lanes(dst, std::ptrdiff_t(e * v_ps), v, out_lanes); });
                      });
}

// y for tiles [f_begin, f_end) and output channels [k_begin, k_end) from M[pt][k - k_begin][f - f_begin]
// at M + pt*m_ps + (k - k_begin)*m_ks + (f - f_begin), plus bias.
template <class T>
void wino_output_sl(const wino_geometry& gm, const T* M, std::size_t m_ps, std::size_t m_ks, std::size_t f_begin,
                    std::size_t f_end, std::size_t k_begin, std::size_t k_end, const T* bias, T* y) {
    using W_ = wino<T>;
    using V = typename W_::V;
    using B = typename W_::B;
    constexpr std::size_t L = W_::L;
    for (std::size_t k = k_begin; k < k_end; ++k) {
        const B b = V::bcast(bias ? bias[k] : T(0));
        for_tile_runs(gm, L, f_begin, f_end,
                      [&](std::size_t n, std::size_t ti, std::size_t tj0, std::size_t len, std::size_t slot) {
                          B t[24], o[4];
                          wino_output_cols_of<T>(M + (k - k_begin) * m_ks + slot, m_ps, t);
                          const std::size_t rows = std::min<std::size_t>(4, gm.P - 4 * ti);
                          const std::size_t ncol = std::min(gm.Q - 4 * tj0, 4 * len);
                          const typename tile_lanes<T>::store_plan sp(ncol);
                          T* dst = y + ((n * gm.K + k) * gm.P + 4 * ti) * gm.Q + 4 * tj0;
                          if (k + 1 < k_end)  // the same rows of the next output channel
                              for (std::size_t r = 0; r < rows; ++r)
                                  prefetch_range(dst + gm.P * gm.Q + r * gm.Q, ncol * sizeof(T), true);
                          for (std::size_t r = 0; r < rows; ++r) {
                              W_::out4(t + r * 6, o);
                              for (std::size_t j = 0; j < 4; ++j) o[j] = o[j] + b;
                              tile_lanes<T>::store_interleaved(dst + r * gm.Q, o, sp);
                          }
                      });
    }
}

// ---- driver

// U_pre: U prepared by wino_prepare for these weights (conv2d_prepare), or null to transform the
// weights in this call. (A forced tile layout with a blocked U_pre transforms them anyway.)
template <class T>
void conv_winograd(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y,
                   wino_layout layout = wino_layout::automatic, const T* U_pre = nullptr) {
    using V = vec<T>;
    constexpr std::size_t L = V::L;
    wino_geometry gm{};
    gm.N = p.N, gm.C = p.C, gm.H = p.H, gm.W = p.W, gm.K = p.K, gm.P = p.P(), gm.Q = p.Q();
    gm.TH = ceil_div(gm.P, 4), gm.TW = ceil_div(gm.Q, 4), gm.tiles = gm.N * gm.TH * gm.TW;
    gm.pad_h = std::ptrdiff_t(p.pad_h), gm.pad_w = std::ptrdiff_t(p.pad_w);
    gm.Cp = ceil_div(gm.C, L) * L, gm.Kp = ceil_div(gm.K, L) * L;
    if (gm.tiles == 0 || gm.K == 0) return;
    const std::size_t C = gm.C, Cp = gm.Cp, K = gm.K, Kp = gm.Kp, NT = gm.tiles;

    const wino_u_layout ul = wino_u_layout_of<T>(C, K);
    const bool u_small = ul.global;
    // The tile layout is for few channels (fewer than 64: measured with AVX-512 floats, the channel
    // layout is 1.4x slower at 16 and 24 channels on wide images, 0.9-1.4x at 32, and faster from 64
    // on: 0.95x on (8, 64, 56x56), 0.7x on (1, 64, 56x56), 0.4x at 128 and more). It also needs wide
    // rows (at least 8 tiles, so runs fill the vectors) and enough of them for 8 blocks of whole tile
    // rows without splitting the output channels. Else channels. Only where its lane permutes run in
    // registers (AVX-512): on AVX2 (Zen 3, floats, 1 and 2 threads) the tile layout was 1.3-2.3x slower
    // than the channel layout at 16 to 48 channels on 28x28 to 112x112 images.
    const std::size_t rows_per_block = std::max<std::size_t>(1, 7 * L / gm.TW);
    if (layout == wino_layout::automatic)
        layout = tile_lanes<T>::in_registers && u_small && C < 64 && gm.TW >= 8 &&
                         ceil_div(gm.N * gm.TH, rows_per_block) >= 8
                     ? wino_layout::tiles
                     : wino_layout::channels;
    const bool u_global = u_small || layout == wino_layout::tiles;  // the tile layout needs all of U
    if (u_global != ul.global) U_pre = nullptr;

    // Every buffer is point-major (U[pt][c][k], V[pt][c][tile] or V[pt][tile][c], M[pt][k][tile] or
    // M[pt][tile][k]), so a point's GEMM reads and writes contiguous rows; the point stride is padded
    // by one vector (an odd number of cache lines), so a tile's 36 values spread over all cache sets.
    auto point_stride = [](std::size_t n) { return n + L; };
    // U for all channels when small, pitch Kp:
    const std::size_t ug_ps = point_stride(C * Kp);  // = ul.ps when U is small
    // U for all channels, when small, is computed by every thread that runs a block, into its own
    // buffer (once per call; call_id tells a thread whether its copy is for this call): rewriting one
    // shared U that the other cores read in the previous call costs more than the transform itself.
    const std::uint64_t call_id = next_call_id();
    auto thread_U = [&]() -> const T* {
        if (U_pre) return U_pre;
        thread_local std::uint64_t filled_for = 0;
        T* u = static_cast<T*>(thread_scratch_cache::get(block_d, 36 * ug_ps * sizeof(T)));
        if (filled_for != call_id) {
            wino_weights(gm, w, 0, C, 0, Kp, u, ug_ps, Kp);
            filled_for = call_id;
        }
        return u;
    };
    // A shared input transform (V for all tiles) is the preparation phase of the one parallel region
    // (phased.hpp).

    if (layout == wino_layout::tiles) {
        // ---- tile layout. A block is a range of whole tile rows (at most 7 vectors of tiles), so
        // every transform run is a full tile row; with fewer than 8 blocks the output channels are
        // split too, and V is computed for all blocks first.
        constexpr std::size_t MA = 6;
        const std::size_t rows = gm.N * gm.TH, TW = gm.TW;
        const std::size_t ntb = ceil_div(rows, rows_per_block);
        auto block_rows = [&](std::size_t b) { return std::pair{b * rows / ntb, (b + 1) * rows / ntb}; };
        std::size_t max_nt = 0;
        for (std::size_t b = 0; b < ntb; ++b) max_nt = std::max(max_nt, (block_rows(b).second - block_rows(b).first) * TW);
        const std::size_t vtp_max = ceil_div(max_nt, L) * L;
        const std::size_t nkg = ntb >= 8 ? 1 : std::min(ceil_div(8, ntb), ceil_div(K, 2 * MA));
        const std::size_t kgs = ceil_div(ceil_div(K, nkg), MA) * MA;  // output channels per group
        const bool v_shared = nkg > 1;
        const std::size_t vb_size = 36 * point_stride(C * vtp_max);  // V of one block

        // V[pt][c][tile] of block b, tile pitch vtp (the lanes past the last tile are zero)
        auto input = [&](std::size_t b, T* Vb) {
            const auto [r0, r1] = block_rows(b);
            const std::size_t nt = (r1 - r0) * TW, vtp = ceil_div(nt, L) * L, v_ps = point_stride(C * vtp);
            if (nt < vtp)
                for (std::size_t pt = 0; pt < 36; ++pt)
                    for (std::size_t c = 0; c < C; ++c) V::store(Vb + pt * v_ps + c * vtp + vtp - L, V::zero());
            wino_input_sl(gm, x, r0 * TW, r1 * TW, Vb, v_ps, vtp);
        };
        scratch<T> V_all;
        if (v_shared) V_all.allocate(ntb * vb_size, call_b);
        T* const V_data = V_all.data();
        const std::size_t n_v = v_shared ? ntb : 0;
        auto prep = [&](std::size_t b) { input(b, V_data + b * vb_size); };
        parallel_phases(n_v, prep, ntb * nkg, [&](std::size_t blk) {
            const T* U_data = thread_U();
            const std::size_t b = blk / nkg, kg = blk % nkg;
            const auto [r0, r1] = block_rows(b);
            const std::size_t f0 = r0 * TW, nt = (r1 - r0) * TW, vtp = ceil_div(nt, L) * L;
            const std::size_t k_begin = kg * kgs, k_end = std::min(K, k_begin + kgs);
            if (k_begin >= k_end) return;
            const std::size_t nkb = k_end - k_begin;
            const std::size_t v_ps = point_stride(C * vtp), m_ps = point_stride(nkb * vtp);
            scratch<T> Vl, Ml(36 * m_ps, block_a);
            const T* Vb = V_data + b * vb_size;
            if (!v_shared) {
                Vl.allocate(vb_size, block_b);
                input(b, Vl.data());
                Vb = Vl.data();
            }
            // the output transform reads whole vectors past a run: the padding after each point
            for (std::size_t pt = 0; pt < 36; ++pt) V::store(Ml.data() + pt * m_ps + nkb * vtp, V::zero());
            std::vector<std::ptrdiff_t> off(C);
            for (std::size_t t = 0; t < C; ++t) off[t] = std::ptrdiff_t(t * vtp);
            gemm_tile<T> g;  // A = U[pt][c][k], B = V[pt][c][tiles], C = M[pt][k][tiles]
            g.taps = C;
            g.a_t = std::ptrdiff_t(Kp);
            g.a_i = 1;
            g.boff = off.data();
            g.c_i = std::ptrdiff_t(vtp);
            g.init = gemm_tile<T>::zero;
            const std::size_t nbv = vtp / L;
            for (std::size_t pt = 0; pt < 36; ++pt)
                for (std::size_t gi = 0, ng = ceil_div(nkb, MA); gi < ng; ++gi) {  // near-equal groups
                    const std::size_t k0 = gi * nkb / ng, ma = (gi + 1) * nkb / ng - k0;
                    g.a = U_data + pt * ug_ps + k_begin + k0;
                    for (std::size_t v0 = 0; v0 < nbv; v0 += wide_nb) {
                        const std::size_t nb = std::min(wide_nb, nbv - v0);
                        g.b = Vb + pt * v_ps + v0 * L;
                        g.c = Ml.data() + pt * m_ps + k0 * vtp + v0 * L;
                        run_ukernel(ma, nb, false, g);
                    }
                }
            wino_output_sl(gm, Ml.data(), m_ps, vtp, f0, f0 + nt, k_begin, k_end, bias, y);
        });
        return;
    }

    // ---- channel layout
    // micro-tile: 6 tiles x NBV vectors of output channels (6x4 with 32 vector registers, 6x2 with 16)
    constexpr std::size_t MA = max_ma, NBV = wide_nb;
    std::size_t tb, nk;  // most tiles per block, output channels per block (multiple of L)
    if (u_global) {
        tb = std::clamp<std::size_t>(ceil_div(NT, 8), 6, 32);
        nk = Kp;
        const std::size_t ntb0 = ceil_div(NT, tb);
        if (ntb0 < 8) nk = ceil_div(Kp / L, ceil_div(8, ntb0)) * L;  // split K so there are ~8 blocks
    } else {
        tb = std::min<std::size_t>(NT, 96);
        nk = wino_block_vectors * L;
    }
    nk = std::min(nk, Kp);
    const std::size_t nkg = ceil_div(Kp, nk);
    // Tile blocks of near-equal size (at most tb tiles). Where U is computed once (u_global), a block
    // more costs no transform, so their number is made even: two threads then get the same work
    // (S2 with blocks of 25 tiles and a last one of 21 gave the threads 100 and 96 tiles).
    std::size_t ntb = ceil_div(NT, tb);
    if (u_global && ntb > 1 && ntb * nkg % 2 == 1) ++ntb;
    auto tile_begin = [&](std::size_t b) { return b * NT / ntb; };
    const bool v_global = nkg > 1 && 36 * NT * Cp * sizeof(T) <= (std::size_t(8) << 20);
    const std::size_t cb = u_global ? C : std::min<std::size_t>(C, 64);  // channels per U block

    // GEMM B offsets: tap t = channel t of the U block (U[pt][c][k], pitch Kp or nk)
    const auto u_pitch = std::ptrdiff_t(u_global ? Kp : nk);
    std::vector<std::ptrdiff_t> boff(u_global ? C : cb);
    for (std::size_t t = 0; t < boff.size(); ++t) boff[t] = std::ptrdiff_t(t) * u_pitch;

    // V for all tiles (when several output-channel blocks need it) is computed by each thread that
    // runs a block, into its own buffer, once per call (as U above).
    const std::size_t vg_ps = point_stride(NT * Cp);
    auto thread_V = [&]() -> const T* {
        thread_local std::uint64_t filled_for = 0;
        T* v = static_cast<T*>(thread_scratch_cache::get(block_b, 36 * vg_ps * sizeof(T)));
        if (filled_for != call_id) {
            wino_input_cl(gm, x, 0, NT, 0, C, v, vg_ps, Cp);
            filled_for = call_id;
        }
        return v;
    };

    kiln::parallel_for(ntb * nkg, [&](std::size_t blk) {
        const std::size_t kgi = blk % nkg, tbi = blk / nkg;
        const std::size_t f0 = tile_begin(tbi), nt = tile_begin(tbi + 1) - f0;
        const std::size_t k0 = kgi * nk, nkk = std::min(nk, Kp - k0);
        const std::size_t ul_ps = point_stride(cb * nk);

        // V is this block's own when it is not shared. M then overwrites it in place when one GEMM
        // call per tile group covers all of the block's output channels and all channels at once
        // (U global, nkk <= NBV * L, nkk <= Cp): a call reads its tiles' V rows in full before it stores
        // their M rows, and no other call reads them. Otherwise M has a buffer of its own.
        const bool m_in_v = !v_global && u_global && nkk <= NBV * L && nkk <= Cp;
        scratch<T> Vloc, Uloc, Mown;
        const T* Vb;
        std::size_t v_ps;
        if (v_global) {
            Vb = thread_V() + f0 * Cp, v_ps = vg_ps;
        } else {
            v_ps = point_stride(nt * Cp);
            Vloc.allocate(36 * v_ps, block_b);
            wino_input_cl(gm, x, f0, f0 + nt, 0, C, Vloc.data(), v_ps, Cp);
            Vb = Vloc.data();
        }
        const std::size_t m_ps = m_in_v ? v_ps : point_stride(nt * nkk);  // M[pt][tile][k]
        const std::size_t m_ts = m_in_v ? Cp : nkk;                        // tile pitch of M
        if (!m_in_v) Mown.allocate(36 * m_ps, block_a);
        T* const Mb = m_in_v ? Vloc.data() : Mown.data();
        if (!u_global && !U_pre) Uloc.allocate(36 * ul_ps, block_c);

        const std::size_t ngroups = ceil_div(nt, MA);
        gemm_tile<T> g;  // A = V[pt][tile][c], B = U[pt][c][k], C = M[pt][tile][k]
        g.a_t = 1;
        g.a_i = std::ptrdiff_t(Cp);
        g.c_i = std::ptrdiff_t(m_ts);
        g.boff = boff.data();
        for (std::size_t c0 = 0; c0 < C; c0 += cb) {
            const std::size_t nc = std::min(cb, C - c0);
            const T* Ub;  // U of point 0, channel c0, output channel k0
            std::size_t u_ps;
            if (u_global) {
                Ub = thread_U() + c0 * Kp + k0, u_ps = ug_ps;
            } else {
                if (U_pre) {
                    Ub = U_pre + (kgi * ul.nchunks + c0 / cb) * ul.block_size, u_ps = ul.ps;
                } else {
                    wino_weights(gm, w, c0, c0 + nc, k0, nkk, Uloc.data(), ul_ps, nk);
                    Ub = Uloc.data(), u_ps = ul_ps;
                }
            }
            g.taps = nc;
            g.init = c0 == 0 ? gemm_tile<T>::zero : gemm_tile<T>::accumulate;
            // The raw weights of the next U block (output channels [pk0, pk0 + pf_rows), channels
            // [pc0, pc1)) are read from memory during this block's GEMMs, one row per GEMM call, a
            // line per tap: the transform then finds them in cache instead of waiting on them.
            std::size_t pk0 = 0, pc0 = 0, pc1 = 0, pf_rows = 0;
            if (!u_global && !U_pre) {
                if (c0 + cb < C)
                    pk0 = k0, pc0 = c0 + cb;
                else
                    pk0 = k0 + nk, pc0 = 0;  // the first U block of the next output-channel block
                pc1 = std::min(C, pc0 + cb);
                pf_rows = pk0 < K ? std::min(K - pk0, nk) : 0;
            }
            std::size_t call = 0;
            // With prepared, blocked U (read from memory rather than transformed into cache), each
            // point's calls also fetch the next point's panel (the next block's first one after
            // point 35), a slice per tile group, one line per tap: without it the GEMMs wait on U
            // (S3 at one thread: 3.1-3.4 ms against 2.5-2.6). Lines past the end of U are not asked.
            const std::size_t panel = nc * std::size_t(u_pitch), panel_lines = (panel * sizeof(T) + 63) / 64;
            const std::size_t upf_per = ceil_div(panel_lines, ngroups);
            for (std::size_t pt = 0; pt < 36; ++pt) {
                const bool next_in_u =
                    U_pre && !u_global && std::size_t(Ub + (pt + 1) * u_ps - U_pre) + panel <= ul.size;
                const std::size_t next_u_lines = next_in_u ? panel_lines : 0;
                for (std::size_t gi = 0; gi < ngroups; ++gi) {  // near-equal groups of at most MA tiles
                    const std::size_t a = gi * nt / ngroups, ma = (gi + 1) * nt / ngroups - a;
                    g.a = Vb + pt * v_ps + a * Cp + c0;
                    for (std::size_t kv = 0; kv < nkk; kv += NBV * L) {
                        const std::size_t nb = std::min(NBV, (nkk - kv) / L);
                        g.b = Ub + pt * u_ps + kv;
                        g.c = Mb + pt * m_ps + a * m_ts + kv;
                        if (nb == NBV) {  // the full width: the strided kernel (same sums, fewer instructions)
                            line_span pf;  // one row of the next block's raw weights per call
                            if (call < pf_rows)
                                pf = lines_of(w + ((pk0 + call) * C + pc0) * 9, (pc1 - pc0) * 9 * sizeof(T));
                            if (next_u_lines && gi * upf_per < next_u_lines) {  // a slice of the next U panel
                                const std::size_t first = gi * upf_per;
                                pf = line_span{reinterpret_cast<const char*>(Ub + (pt + 1) * u_ps) + 64 * first,
                                               std::min({upf_per, next_u_lines - first, nc})};
                            }
                            ++call;
                            run_wino_cl_gemm<T>(ma, g.a, g.a_i, g.b, u_pitch, g.c, g.c_i, nc,
                                                g.init == gemm_tile<T>::accumulate, pf);
                        } else
                            run_ukernel(ma, nb, false, g);
                    }
                }
            }
        }
        wino_output_cl(gm, Mb, m_ps, m_ts, f0, f0 + nt, k0, std::min(K, k0 + nkk), bias, y);
    });
}

}  // namespace kiln::nn::kernels::conv_detail
