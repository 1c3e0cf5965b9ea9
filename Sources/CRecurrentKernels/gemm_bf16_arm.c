// SPDX-License-Identifier: MIT
// bf16 GEMM on Arm FEAT_BF16 (Armv8.6-A; Neoverse V1/V2/N2, Apple M2 and
// later): C = alpha·bf16(op(A))·bf16(op(B)) + beta·C with fp32 sums, for the
// neon set on a CPU that has it.
//
// BFMMLA multiplies a 2 x 4 block of bf16 (two rows of A, four k) by a
// 4 x 2 block (four k, two columns of B) into a 2 x 2 block of fp32 sums,
// [c00 c01 c10 c11]: 16 multiply-adds per instruction, four times an fp32
// FMA's. So both operands are packed in quads of k: one 128-bit register
// holds two lines (rows of op(A), columns of op(B)) of four k each, K padded
// with zeros to a multiple of 4. The operands are rounded by BFCVTN (nearest
// with ties to even under the default FPCR, as bf16_bits) or by bf16_bits at
// the edges.
//
// The arithmetic: each product of two bf16 is exact in fp32; FEAT_BF16
// without FEAT_EBF16 adds with round-to-odd and flushes subnormal inputs and
// results to zero (the Arm ARM's BFDotAdd), a faithful rounding (error below
// one ulp) in place of the fallback's nearest-even: the same exact products,
// summed in another order, each addition within 2^-23 relative.
//
// The 12 x 8 tile: 6 row pairs x 4 column pairs = 24 accumulators, 4
// registers of B and one of A at a time (29 of the 32). Per quad of k: 6
// loads of A, 4 of B, 24 BFMMLA (384 multiply-adds), 38 per 16-byte load.
#include "CRecurrentKernels.h"
#include "gemm_bf16_impl.h"

#if defined(__aarch64__)
#include <stdlib.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif
#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1ul << 14)
#endif
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif

// arm_neon.h declares the bf16 intrinsics under target attributes (not only
// under -march) from clang 16 on; older compilers keep the fallback.
#if defined(__clang__) && __clang_major__ >= 16
#define RC_ARM_BF16_KERNELS 1
#include <arm_neon.h>
#endif

int rc_bf16_arm_supported(void) {
#if !defined(RC_ARM_BF16_KERNELS)
    return 0;
#elif defined(__linux__)
    return (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0;
#elif defined(__APPLE__)
    int value = 0;
    size_t size = sizeof value;
    return sysctlbyname("hw.optional.arm.FEAT_BF16", &value, &size, NULL, 0) == 0 && value != 0;
#else
    return 0;
#endif
}

#define AMR 12   // rows of the register tile (6 pairs)
#define ANR RC_BF16_ARM_NR  // columns (4 pairs)
#define AKC 512  // k per block, a multiple of 4: quads never straddle blocks
#define AMC 192  // rows per block of packed A, a multiple of AMR

size_t rc_bf16_arm_packed_b_size(long K, long N) {
    return (size_t)bf_round_up(K, 4) * (size_t)bf_round_up(N, ANR) / 2;
}

#if defined(RC_ARM_BF16_KERNELS)
#define BF_ARM __attribute__((target("bf16")))

BF_ARM static inline bfloat16x8_t load8(const uint16_t *p) { return vreinterpretq_bf16_u16(vld1q_u16(p)); }

// Two lines of four fp32 each → one register: [bf16(x0..x3), bf16(y0..y3)].
BF_ARM static inline void store_pair(uint16_t *dst, float32x4_t x, float32x4_t y) {
    vst1q_u16(dst, vreinterpretq_u16_bf16(vcvtq_high_bf16_f32(vcvtq_low_bf16_f32(x), y)));
}

// Packs `lines` lines (rows of op(A) or columns of op(B)), kc values each,
// into a panel of `width` lines: in quad q, line l's k = 4q + t at
// q·4·width + 4l + t. Value k of line l is X[l·ls + k·ks]; `strided` says
// that k runs across rows of memory (ls = 1, ks = the row stride), else
// along them (ks = 1). Lines past `lines` and k past kc are zero.
BF_ARM static void pack_panel(int width, long lines, long kc, const float *X, long ls, long ks, int strided,
                              uint16_t *restrict panel) {
    long quads = (kc + 3) / 4, q = 0;
    if (lines == width && !strided) {
        for (; 4 * q + 4 <= kc; q++)
            for (int l = 0; l < width; l += 2) {
                const float *x = X + l * ls + 4 * q;
                store_pair(panel + q * 4 * width + 4 * l, vld1q_f32(x), vld1q_f32(x + ls));
            }
    } else if (lines == width) {
        // Four rows of memory (k .. k + 3) by four lines, transposed into
        // four lines of four k.
        for (; 4 * q + 4 <= kc; q++)
            for (int l = 0; l < width; l += 4) {
                const float *x = X + 4 * q * ks + l;
                float32x4_t r0 = vld1q_f32(x), r1 = vld1q_f32(x + ks);
                float32x4_t r2 = vld1q_f32(x + 2 * ks), r3 = vld1q_f32(x + 3 * ks);
                float32x4_t a = vtrn1q_f32(r0, r1), b = vtrn2q_f32(r0, r1);
                float32x4_t c = vtrn1q_f32(r2, r3), d = vtrn2q_f32(r2, r3);
                float64x2_t a2 = vreinterpretq_f64_f32(a), b2 = vreinterpretq_f64_f32(b);
                float64x2_t c2 = vreinterpretq_f64_f32(c), d2 = vreinterpretq_f64_f32(d);
                uint16_t *dst = panel + q * 4 * width + 4 * l;
                store_pair(dst, vreinterpretq_f32_f64(vtrn1q_f64(a2, c2)), vreinterpretq_f32_f64(vtrn1q_f64(b2, d2)));
                store_pair(dst + 8, vreinterpretq_f32_f64(vtrn2q_f64(a2, c2)),
                           vreinterpretq_f32_f64(vtrn2q_f64(b2, d2)));
            }
    }
    for (; q < quads; q++)
        for (long l = 0; l < width; l++)
            for (long t = 0; t < 4; t++) {
                long k = 4 * q + t;
                panel[q * 4 * width + 4 * l + t] = l < lines && k < kc ? (uint16_t)bf16_bits(X[l * ls + k * ks]) : 0;
            }
}

void rc_bf16_arm_pack_b(int transB, long K, long j0, long j1, const float *B, long ldb, float *packed) {
    long quads = (K + 3) / 4;
    uint16_t *base = (uint16_t *)packed;
    for (long jr = j0; jr < j1; jr += ANR) {
        long cols = j1 - jr < ANR ? j1 - jr : ANR;
        uint16_t *panel = base + (jr / ANR) * quads * 4 * ANR;
        if (transB) pack_panel(ANR, cols, K, B + jr * ldb, ldb, 1, 0, panel);  // column j is row j of B
        else pack_panel(ANR, cols, K, B + jr, 1, ldb, 1, panel);
    }
}

// Rows [ic, ic + mc) and k [pc, pc + kc) of op(A), in panels of AMR rows,
// panel ir / AMR at ir·round_up(kc, 4).
BF_ARM static void pack_a(int transA, long mc, long kc, const float *A, long lda, long ic, long pc,
                          uint16_t *restrict Ap) {
    long kq = bf_round_up(kc, 4);
    for (long ir = 0; ir < mc; ir += AMR) {
        long rows = mc - ir < AMR ? mc - ir : AMR, row = ic + ir;
        if (transA) pack_panel(AMR, rows, kc, A + pc * lda + row, 1, lda, 1, Ap + ir * kq);
        else pack_panel(AMR, rows, kc, A + row * lda + pc, lda, 1, 0, Ap + ir * kq);
    }
}

// A tile of `rows` rows (2, 4, 8 or 12) by ANR columns over `quads` quads
// of k; C gets its first mr x nr entries.
BF_ARM static inline __attribute__((always_inline)) void arm_tile(
    const int rows, long quads, const uint16_t *restrict Ap, const uint16_t *restrict Bp, float *restrict C,
    long ldc, long mr, long nr, float alpha, float beta) {
    float32x4_t acc[AMR / 2][4];
#pragma clang loop unroll(full)
    for (int p = 0; p < rows / 2; p++)
#pragma clang loop unroll(full)
        for (int c = 0; c < 4; c++) acc[p][c] = vdupq_n_f32(0.0f);
    for (long q = 0; q < quads; q++) {
        bfloat16x8_t b0 = load8(Bp), b1 = load8(Bp + 8), b2 = load8(Bp + 16), b3 = load8(Bp + 24);
#pragma clang loop unroll(full)
        for (int p = 0; p < rows / 2; p++) {
            bfloat16x8_t a = load8(Ap + 8 * p);
            acc[p][0] = vbfmmlaq_f32(acc[p][0], a, b0);
            acc[p][1] = vbfmmlaq_f32(acc[p][1], a, b1);
            acc[p][2] = vbfmmlaq_f32(acc[p][2], a, b2);
            acc[p][3] = vbfmmlaq_f32(acc[p][3], a, b3);
        }
        Ap += 4 * AMR;
        Bp += 4 * ANR;
    }
    // acc[p][c] = rows 2p, 2p + 1 by columns 2c, 2c + 1: the low halves of
    // two neighbours make four columns of row 2p, the high halves of 2p + 1.
    float32x4_t va = vdupq_n_f32(alpha), vb = vdupq_n_f32(beta);
    float tile[AMR * ANR];
    int whole = mr == rows && nr == ANR;
#pragma clang loop unroll(full)
    for (int p = 0; p < rows / 2; p++)
#pragma clang loop unroll(full)
        for (int h = 0; h < 2; h++) {
            float64x2_t x = vreinterpretq_f64_f32(acc[p][2 * h]), y = vreinterpretq_f64_f32(acc[p][2 * h + 1]);
            float32x4_t top = vmulq_f32(va, vreinterpretq_f32_f64(vzip1q_f64(x, y)));
            float32x4_t bottom = vmulq_f32(va, vreinterpretq_f32_f64(vzip2q_f64(x, y)));
            if (whole) {
                float *c = C + 2 * p * ldc + 4 * h;
                if (beta != 0.0f) {
                    top = vfmaq_f32(top, vb, vld1q_f32(c));
                    bottom = vfmaq_f32(bottom, vb, vld1q_f32(c + ldc));
                }
                vst1q_f32(c, top);
                vst1q_f32(c + ldc, bottom);
            } else {
                vst1q_f32(tile + 2 * p * ANR + 4 * h, top);
                vst1q_f32(tile + (2 * p + 1) * ANR + 4 * h, bottom);
            }
        }
    if (whole) return;
    for (long i = 0; i < mr; i++)
        for (long j = 0; j < nr; j++) {
            float *c = C + i * ldc + j;
            *c = beta != 0.0f ? beta * *c + tile[i * ANR + j] : tile[i * ANR + j];
        }
}

BF_ARM static void arm_micro_kernel(long quads, const uint16_t *Ap, const uint16_t *Bp, float *C, long ldc, long mr,
                                    long nr, float alpha, float beta) {
    if (mr <= 2) arm_tile(2, quads, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr <= 4) arm_tile(4, quads, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr <= 8) arm_tile(8, quads, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else arm_tile(AMR, quads, Ap, Bp, C, ldc, mr, nr, alpha, beta);
}

void rc_bf16_arm_gemm_packed(int transA, long M, long N, long K, float alpha, const float *A, long lda,
                             const float *Bpacked, long n0, float beta, float *C, long ldc) {
    long totalQuads = (K + 3) / 4;
    const uint16_t *Bp = (const uint16_t *)Bpacked;
    uint16_t *Ap = rc_bf16_workspace(0, (size_t)bf_round_up(M < AMC ? M : AMC, AMR) * AKC * sizeof(uint16_t));
    for (long pc = 0; pc < K; pc += AKC) {
        long kc = K - pc < AKC ? K - pc : AKC, quads = (kc + 3) / 4;
        float blockBeta = pc == 0 ? beta : 1.0f;
        for (long ic = 0; ic < M; ic += AMC) {
            long mc = M - ic < AMC ? M - ic : AMC;
            pack_a(transA, mc, kc, A, lda, ic, pc, Ap);
            for (long jr = 0; jr < N; jr += ANR) {
                long nr = N - jr < ANR ? N - jr : ANR;
                const uint16_t *panel = Bp + ((n0 + jr) / ANR) * totalQuads * 4 * ANR + pc * ANR;
                for (long ir = 0; ir < mc; ir += AMR) {
                    long mr = mc - ir < AMR ? mc - ir : AMR;
                    arm_micro_kernel(quads, Ap + ir * 4 * quads, panel, C + (ic + ir) * ldc + jr, ldc, mr, nr,
                                     alpha, blockBeta);
                }
            }
        }
    }
}

// The register-only BFMMLA loop: 16 independent accumulators, two BFMMLA
// (32 multiply-adds, as one vdpbf16ps of 16 lanes) on each per iteration.
BF_ARM float rc_bf16_arm_peak_loop(long iterations, float seed) {
    float32x4_t acc[16];
    for (int i = 0; i < 16; i++) acc[i] = vdupq_n_f32(seed * (float)i);
    bfloat16x8_t a = vreinterpretq_bf16_u16(vdupq_n_u16(0x3f80)), b = vreinterpretq_bf16_u16(vdupq_n_u16(0x3c00));
    for (long n = 0; n < iterations; n++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) acc[i] = vbfmmlaq_f32(acc[i], a, b);
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) acc[i] = vbfmmlaq_f32(acc[i], b, a);
        __asm__ __volatile__("" : "+w"(a));  // keep the loop a loop
    }
    float32x4_t sum = acc[0];
    for (int i = 1; i < 16; i++) sum = vaddq_f32(sum, acc[i]);
    return vaddvq_f32(sum);
}
#else
// Never called: rc_bf16_arm_supported() is 0 without the kernels.
float rc_bf16_arm_peak_loop(long iterations, float seed) {
    (void)iterations;
    return seed;
}
void rc_bf16_arm_pack_b(int transB, long K, long j0, long j1, const float *B, long ldb, float *packed) {
    (void)transB; (void)K; (void)j0; (void)j1; (void)B; (void)ldb; (void)packed;
    abort();
}
void rc_bf16_arm_gemm_packed(int transA, long M, long N, long K, float alpha, const float *A, long lda,
                             const float *Bpacked, long n0, float beta, float *C, long ldc) {
    (void)transA; (void)M; (void)N; (void)K; (void)alpha; (void)A; (void)lda; (void)Bpacked; (void)n0;
    (void)beta; (void)C; (void)ldc;
    abort();
}
#endif
#endif
