// kiln/nn/conv/direct.hpp: direct convolution as an implicit GEMM (conv2d_algo::direct and ::stream).
//
// The output row (n, k, oh, ow0 .. ow0 + NB*L) of MA output channels is one micro-kernel tile
// (microkernel.hpp): A = the weights, read in place ((K, C/g, R, S) is already "output channel x tap"),
// B = the input pixels of tap (c, r, s) for those output columns, C = the output, written in place.
// The taps' input offsets come from a table, so stride, dilation and padding cost nothing inside the
// micro-kernel:
//
// * unstaged (no padding, stride_w 1): B reads the NCHW input directly; output column ow of tap
//   (c, r, s) is x[c][oh*stride_h + r*dil_h][ow + s*dil_w], consecutive in ow. The last vector of a
//   row is loaded with only its valid lanes, so nothing past the input is read.
// * staged (padding or stride_w > 1): the input is first copied into zero-padded planes split by
//   column phase (plane q of a channel holds padded columns q, q + stride_w, q + 2*stride_w, ...),
//   so every tap again reads consecutive elements: padded column ow*stride_w + s*dil_w is element
//   ow + (s*dil_w) / stride_w of plane (s*dil_w) % stride_w. The buffer ends in zeroed slack so full
//   vectors may run past a row.
//
// Tiling: tiles of up to 6 output channels x max_acc / 6 vectors (4 with 32 vector registers, 2 with
// 16: microkernel.hpp) for `direct`; `stream` (few output channels) takes all K/groups channels at
// once and up to 8 vectors, so each input row is read from memory once, while the next output rows
// still find it in cache. The input channels are processed in chunks (the accumulators go back to y
// between chunks) so a chunk's weights and rows stay in cache. Parallel blocks are (image, group,
// channel group, row range), fixed by the shape.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "../../parallel.hpp"
#include "microkernel.hpp"
#include "params.hpp"
#include "phased.hpp"
#include "scratch.hpp"

namespace kiln::nn::kernels::conv_detail {

// Copies channels [c_begin, c_end) of the flattened (N*C) input into the staged layout: per channel,
// `phases` planes of Hs x Ws, plane q holding padded columns q, q + phases, ...
template <class T>
void stage_channels(const T* x, T* xs, std::size_t c_begin, std::size_t c_end, std::size_t H, std::size_t W,
                    std::size_t pad_h, std::size_t pad_w, std::size_t phases, std::size_t Hs, std::size_t Ws) {
    const std::size_t plane = Hs * Ws;
    for (std::size_t nc = c_begin; nc < c_end; ++nc) {
        const T* src = x + nc * H * W;
        for (std::size_t q = 0; q < phases; ++q) {
            T* dst = xs + (nc * phases + q) * plane;
            // plane column j is padded column j*phases + q, input column j*phases + q - pad_w
            const std::size_t j_lo = pad_w > q ? ceil_div(pad_w - q, phases) : 0;
            std::size_t j_hi = 0;  // one past the last j with an input column < W
            if (W + pad_w > q) j_hi = std::min(Ws, (W + pad_w - q - 1) / phases + 1);
            const std::size_t jl = std::min(j_lo, j_hi);
            for (std::size_t i = 0; i < Hs; ++i) {
                T* d = dst + i * Ws;
                if (i < pad_h || i - pad_h >= H) {
                    std::memset(d, 0, Ws * sizeof(T));
                    continue;
                }
                const T* s = src + (i - pad_h) * W;
                std::memset(d, 0, jl * sizeof(T));
                if (phases == 1) {
                    if (j_hi > jl) std::memcpy(d + jl, s + (jl + q - pad_w), (j_hi - jl) * sizeof(T));
                } else {
                    for (std::size_t j = jl; j < j_hi; ++j) d[j] = s[j * phases + q - pad_w];
                }
                if (Ws > j_hi) std::memset(d + j_hi, 0, (Ws - j_hi) * sizeof(T));
            }
        }
    }
}

struct direct_tiling {
    std::size_t ma;       // output channels per micro-tile
    std::size_t nb;       // vectors per micro-tile (at most)
    std::size_t kgroup;   // output channels per parallel block
    std::size_t chunk_c;  // input channels per accumulation pass
    std::size_t rows;     // output rows per parallel block
};

// The output-channel part of the tiling, from K/groups alone (so it can be known at compile time).
constexpr direct_tiling direct_channel_tiling(std::size_t Kg, bool stream_tiling) {
    direct_tiling t{};
    t.ma = std::min(Kg, max_ma);
    t.nb = std::min<std::size_t>(max_nb, std::max<std::size_t>(1, max_acc / std::max<std::size_t>(1, t.ma)));
    t.kgroup = stream_tiling || Kg <= 96 ? Kg : 48;
    return t;
}

// The tiles a block over output channels [k_begin, k_end) asks for: near-equal groups of at most
// t.ma channels, rows of at most t.nb vectors.
constexpr std::size_t channel_tiles(const direct_tiling& t, std::size_t k_begin, std::size_t k_end) {
    return (k_end - k_begin + t.ma - 1) / t.ma;
}
constexpr std::size_t channel_tile_begin(const direct_tiling& t, std::size_t k_begin, std::size_t k_end,
                                         std::size_t ki) {
    return k_begin + ki * (k_end - k_begin) / channel_tiles(t, k_begin, k_end);
}

// Every tile conv_direct can ask for with K/groups = Kg (any input size), for the tilings F allows.
template <conv2d_static F>
constexpr tile_mask direct_tile_mask() {
    const std::size_t Kg = F.k_per_group();
    if (Kg == dyn || Kg == 0) return all_tiles;
    tile_mask m = 0;
    for (const bool stream : {false, true}) {
        if (stream ? !F.may_stream() : !F.may_direct()) continue;
        const direct_tiling t = direct_channel_tiling(Kg, stream);
        for (std::size_t kb = 0; kb < Kg; kb += t.kgroup) {
            const std::size_t ke = std::min(Kg, kb + t.kgroup), nkt = channel_tiles(t, kb, ke);
            for (std::size_t ki = 0; ki < nkt; ++ki) {
                const std::size_t mk = channel_tile_begin(t, kb, ke, ki + 1) - channel_tile_begin(t, kb, ke, ki);
                m |= tile_row(mk, t.nb);
            }
        }
    }
    return m;
}

// stream_tiling: the tiny-K tiling (all K/groups channels per tile, long row tiles, no channel chunks).
// F: what is known at compile time (conv2d_static); only the paths and tiles it allows are compiled.
template <class T, conv2d_static F = conv2d_static{}>
void conv_direct(const conv2d_params& p, const T* x, const T* w, const T* bias, T* y, bool stream_tiling) {
    using V = vec<T>;
    constexpr std::size_t L = V::L;
    const std::size_t N = p.N, C = p.C, H = p.H, W = p.W, K = p.K, R = p.R, S = p.S;
    const std::size_t G = p.groups, Cg = C / G, Kg = K / G, P = p.P(), Q = p.Q();
    const std::size_t sh = p.stride_h, sw = p.stride_w, dh = p.dil_h, dw = p.dil_w;
    if (N * K * P * Q == 0) return;

    const bool staged = F.may_stage() && (p.pad_h || p.pad_w || sw > 1);
    const std::size_t phases = staged ? sw : 1;
    const std::size_t Hs = staged ? H + 2 * p.pad_h : H;
    const std::size_t Ws = staged ? ceil_div(W + 2 * p.pad_w, sw) : W;
    const std::size_t plane = Hs * Ws, chan = phases * plane;
    const std::size_t nvec = ceil_div(Q, L), last = Q - (nvec - 1) * L;

    // The staged copy is the preparation phase of the one parallel region (phased.hpp).
    const T* X = x;
    scratch<T> xs;
    std::size_t n_stage = 0, per = 1;
    if (staged) {
        const std::size_t body = N * C * chan;
        const std::size_t slack = nvec * L + Ws + L;  // full vectors may run past the last row
        xs.allocate(body + slack, call_a);
        std::memset(xs.data() + body, 0, slack * sizeof(T));
        per = std::max<std::size_t>(1, (std::size_t(1) << 16) / std::max<std::size_t>(1, chan));
        n_stage = ceil_div(N * C, per);
        X = xs.data();
    }
    T* const xs_data = xs.data();
    auto stage = [&](std::size_t b) {
        if constexpr (F.may_stage())
            stage_channels(x, xs_data, b * per, std::min(N * C, (b + 1) * per), H, W, p.pad_h, p.pad_w, phases, Hs, Ws);
        else
            (void)b, (void)xs_data;
    };

    // Input offset of tap (c, r, s), taps in weight order, relative to output pixel (oh, ow)'s base.
    const std::size_t RS = R * S, taps = Cg * RS;
    std::vector<std::ptrdiff_t> off(taps);
    for (std::size_t c = 0; c < Cg; ++c)
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t s = 0; s < S; ++s)
                off[(c * R + r) * S + s] =
                    std::ptrdiff_t(c * chan + ((s * dw) % phases) * plane + r * dh * Ws + (s * dw) / phases);

    direct_tiling t = direct_channel_tiling(Kg, stream_tiling);
    t.chunk_c = stream_tiling ? Cg : std::max<std::size_t>(1, 512 / RS);
    const std::size_t nkg = ceil_div(Kg, t.kgroup);
    const std::size_t others = N * G * nkg;
    const std::size_t row_blocks = std::min(P, std::max<std::size_t>(1, ceil_div(32, others)));
    t.rows = ceil_div(P, row_blocks);
    const std::size_t nrg = ceil_div(P, t.rows);

    // Row tiles: nvec vectors in ntile near-equal tiles.
    const std::size_t ntile = ceil_div(nvec, t.nb);
    std::vector<std::size_t> tile_v0(ntile + 1);
    for (std::size_t i = 0; i <= ntile; ++i) tile_v0[i] = i * nvec / ntile;

    const std::size_t CRS = Cg * RS, PQ = P * Q;
    parallel_phases(n_stage, stage, N * G * nkg * nrg, [&](std::size_t blk) {
        const std::size_t rg = blk % nrg;
        std::size_t rest = blk / nrg;
        const std::size_t kgi = rest % nkg;
        rest /= nkg;
        const std::size_t g = rest % G, n = rest / G;
        const std::size_t k_begin = kgi * t.kgroup, k_end = std::min(Kg, k_begin + t.kgroup);
        const std::size_t oh_begin = rg * t.rows, oh_end = std::min(P, oh_begin + t.rows);
        const T* Xn = X + (n * C + g * Cg) * chan;
        gemm_tile<T> gt;
        gt.a_t = 1;
        gt.a_i = std::ptrdiff_t(CRS);
        gt.c_i = std::ptrdiff_t(PQ);
        for (std::size_t c0 = 0; c0 < Cg; c0 += t.chunk_c) {
            const std::size_t t0 = c0 * RS, nt = std::min(t.chunk_c, Cg - c0) * RS;
            gt.taps = nt;
            gt.boff = off.data() + t0;
            gt.init = c0 == 0 ? gemm_tile<T>::row_bias : gemm_tile<T>::accumulate;
            const std::size_t nkt = channel_tiles(t, k_begin, k_end);  // near-equal groups of <= t.ma channels
            for (std::size_t ki = 0; ki < nkt; ++ki) {
                const std::size_t k = channel_tile_begin(t, k_begin, k_end, ki);
                const std::size_t mk = channel_tile_begin(t, k_begin, k_end, ki + 1) - k;
                const std::size_t kk = g * Kg + k;
                gt.a = w + kk * CRS + t0;
                gt.bias = bias ? bias + kk : nullptr;
                for (std::size_t oh = oh_begin; oh < oh_end; ++oh) {
                    const T* xrow = Xn + oh * sh * Ws;
                    T* yrow = y + ((n * K + kk) * P + oh) * Q;
                    for (std::size_t ti = 0; ti < ntile; ++ti) {
                        const std::size_t v0 = tile_v0[ti], nbt = tile_v0[ti + 1] - v0;
                        const bool is_last = ti + 1 == ntile;
                        gt.b = xrow + v0 * L;
                        gt.c = yrow + v0 * L;
                        gt.last = is_last ? last : L;
                        run_ukernel<T, direct_tile_mask<F>()>(mk, nbt, !staged && is_last && last < L, gt);
                    }
                }
            }
        }
    });
}

}  // namespace kiln::nn::kernels::conv_detail
