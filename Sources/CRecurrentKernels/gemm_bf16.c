// SPDX-License-Identifier: MIT
// bf16 GEMM with fp32 accumulation: C = alpha·op(A)·op(B) + beta·C, where the
// operands are fp32 in memory and rounded to bf16 (nearest, ties to even, NaN
// kept) as they are packed.
//
// Three implementations behind one face:
// - native x86: AVX512_BF16's vdpbf16ps, for the avx512 set on a CPU that
//   has it (CPUID leaf 7 sub-leaf 1, EAX bit 5, and the OS saving the AVX-512
//   state). Packed operands hold pairs of consecutive k of one row or column
//   in one 32-bit word, as the instruction reads them; every lane adds the
//   two products of a pair (each exact in fp32) to its sum.
// - native Arm: FEAT_BF16's BFMMLA, for the neon set on a CPU that has it
//   (gemm_bf16_arm.c).
// - fallback, for every other set: the operands rounded to bf16 (kept as fp32
//   with the low 16 bits zero) and the set's own fp32 kernel, whose fused
//   multiply-adds of bf16 values are exact products followed by one rounding:
//   the same arithmetic, summed in another order.
#include "CRecurrentKernels.h"
#include "gemm_bf16_impl.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static inline float bf16_round(float x) {
    uint32_t u = bf16_bits(x) << 16;
    float y;
    memcpy(&y, &u, sizeof y);
    return y;
}

void rc_bf16_round(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = bf16_round(x[i]);
}

void rc_bf16_from_float(const float *x, uint16_t *y, long n) {
    for (long i = 0; i < n; i++) y[i] = (uint16_t)bf16_bits(x[i]);
}

// Per-thread workspaces of this file (the fp32 kernels keep their own).
static _Thread_local void *bf_workspace[3];
static _Thread_local size_t bf_capacity[3];

void *rc_bf16_workspace(int which, size_t bytes) {
    if (bytes > bf_capacity[which]) {
        free(bf_workspace[which]);
        bytes = (bytes + 63) / 64 * 64;
        bf_workspace[which] = aligned_alloc(64, bytes);
        if (!bf_workspace[which]) abort();
        bf_capacity[which] = bytes;
    }
    return bf_workspace[which];
}

// ---- Detection ----

int rc_bf16_native_supported(void) {
#if defined(__x86_64__)
    if (!rc_isa_supported(RC_ISA_AVX512)) return 0;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // XMM, YMM, opmask, ZMM0–15 upper halves, ZMM16–31 saved by the OS.
    if ((lo & 0xe6u) != 0xe6u) return 0;
    if (!__get_cpuid_count(7, 1, &a, &b, &c, &d)) return 0;
    return (a >> 5) & 1u;  // AVX512_BF16
#elif defined(__aarch64__)
    return rc_bf16_arm_supported();
#else
    return 0;
#endif
}

// The set whose bf16 products can run natively here.
#if defined(__x86_64__)
#define NATIVE_ISA RC_ISA_AVX512
#elif defined(__aarch64__)
#define NATIVE_ISA RC_ISA_NEON
#else
#define NATIVE_ISA (-1)
#endif

// The CPU's answer, asked once: a constant of the machine, not state.
static int known_native = -1;

static int native(int isa) {
    if (isa != NATIVE_ISA) return 0;
    int known = __atomic_load_n(&known_native, __ATOMIC_RELAXED);
    if (known < 0) {
        known = rc_bf16_native_supported();
        __atomic_store_n(&known_native, known, __ATOMIC_RELAXED);
    }
    return known;
}

int rc_bf16_native(int isa) { return native(isa); }

// ---- Native: vdpbf16ps, 12 x 32 tile, 24 zmm accumulators ----
// (vdpbf16ps needs about 16 sums in flight on Zen 5; 24 leave room for the
// loads, the 8-row tile of a short panel keeps 16)
#if defined(__x86_64__)
#define BF_ATTR __attribute__((target("avx512f,avx512vl,avx512bw,avx512bf16,fma")))
#define BMR 12
#define BNR 32
#define BKC 256  // k per block (even: pairs never straddle blocks)
#define BMC 192  // a multiple of BMR

// A full panel of BMR rows of a row-major A, 16 pairs (32 k) at a time
// through vcvtne2ps2bf16 (nearest even, as bf16_bits; it also flushes
// subnormals, which vdpbf16ps reads as zero anyway), then a transpose of
// the BMR x 16 words; the pairs past the last multiple of 16 as bf16_bits.
BF_ATTR static void bf_pack_a_rows(long kc, const float *A, long lda, uint32_t *restrict panel) {
    long pairs = (kc + 1) / 2, q0 = 0;
    for (; 2 * (q0 + 16) <= kc; q0 += 16) {
        uint32_t words[BMR][16];
        for (int i = 0; i < BMR; i++) {
            const float *src = A + i * lda + 2 * q0;
            __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + 16), _mm512_loadu_ps(src));
            _mm512_storeu_si512(words[i], (__m512i)v);
        }
        for (int q = 0; q < 16; q++)
            for (int i = 0; i < BMR; i++) panel[(q0 + q) * BMR + i] = words[i][q];
    }
    for (long q = q0; q < pairs; q++)
        for (int i = 0; i < BMR; i++) {
            const float *src = A + i * lda;
            float a1 = 2 * q + 1 < kc ? src[2 * q + 1] : 0.0f;
            panel[q * BMR + i] = bf16_bits(src[2 * q]) | bf16_bits(a1) << 16;
        }
}

// Words of a packed A panel: for pair q, BMR words (row i: k = 2q, 2q + 1).
// Rows past mc up to the tile's rows are zero.
BF_ATTR static void bf_pack_a(int transA, long mc, long kc, const float *A, long lda, long ic, long pc,
                      uint32_t *restrict Ap) {
    long pairs = (kc + 1) / 2;
    for (long ir = 0; ir < mc; ir += BMR) {
        long rows = mc - ir < BMR ? mc - ir : BMR;
        uint32_t *panel = Ap + ir * pairs;
        if (!transA && rows == BMR) {
            bf_pack_a_rows(kc, A + (ic + ir) * lda + pc, lda, panel);
            continue;
        }
        if (transA && rows == BMR) {
            // A stored [K, M]: rows 2q and 2q + 1 of it hold the pair's low
            // and high halves of the panel's BMR words, side by side.
            const __mmask16 m = (1u << BMR) - 1;
            long q = 0;
            for (; 2 * q + 1 < kc; q++) {
                const float *src = A + (pc + 2 * q) * lda + ic + ir;
                __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src)));
                __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + lda)));
                _mm512_mask_storeu_epi32(panel + q * BMR, m, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
            }
            for (; q < pairs; q++)
                for (long i = 0; i < BMR; i++) panel[q * BMR + i] = bf16_bits(A[(pc + 2 * q) * lda + ic + ir + i]);
            continue;
        }
        for (long i = 0; i < rows; i++) {
            long row = ic + ir + i;
            for (long q = 0; q < pairs; q++) {
                long k = pc + 2 * q;
                float a0 = transA ? A[k * lda + row] : A[row * lda + k];
                float a1 = 2 * q + 1 < kc ? (transA ? A[(k + 1) * lda + row] : A[row * lda + k + 1]) : 0.0f;
                panel[q * BMR + i] = bf16_bits(a0) | bf16_bits(a1) << 16;
            }
        }
        for (long i = rows; i < BMR; i++)
            for (long q = 0; q < pairs; q++) panel[q * BMR + i] = 0;
    }
}

// Packed B: panels of BNR columns over the whole K (padded to even); panel p
// at p·(Kp/2)·BNR words; in it, pair q of column j at q·BNR + j.
BF_ATTR static void bf_pack_b(int transB, long K, long j0, long j1, const float *B, long ldb,
                              uint32_t *restrict packed) {
    long pairs = (K + 1) / 2;
    for (long jr = j0; jr < j1; jr += BNR) {
        uint32_t *panel = packed + (jr / BNR) * pairs * BNR;
        long cols = j1 - jr < BNR ? j1 - jr : BNR;
        long q = 0;
        if (!transB && cols == BNR) {
            // Rows 2q and 2q + 1 of B, 16 columns at a time: the low and
            // high halves of each column's word.
            for (; 2 * q + 1 < K; q++) {
                const float *row = B + 2 * q * ldb + jr;
                for (int j = 0; j < BNR; j += 16) {
                    __m512i lo = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(row + j)));
                    __m512i hi = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(row + ldb + j)));
                    _mm512_storeu_si512(panel + q * BNR + j, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
                }
            }
        }
        for (; q < pairs; q++) {
            long k = 2 * q;
            uint32_t *dst = panel + q * BNR;
            for (long j = 0; j < cols; j++) {
                long col = jr + j;
                float b0 = transB ? B[col * ldb + k] : B[k * ldb + col];
                float b1 = k + 1 < K ? (transB ? B[col * ldb + k + 1] : B[(k + 1) * ldb + col]) : 0.0f;
                dst[j] = bf16_bits(b0) | bf16_bits(b1) << 16;
            }
            for (long j = cols; j < BNR; j++) dst[j] = 0;
        }
    }
}

BF_ATTR static inline __attribute__((always_inline)) void bf_tile(
    const int rows, long pairs, const uint32_t *restrict Ap, const uint32_t *restrict Bp,
    float *restrict C, long ldc, long mr, long nr, float alpha, float beta) {
    __m512 acc[BMR][2];
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
#pragma clang loop unroll_count(2)
    for (long q = 0; q < pairs; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(Bp);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512(Bp + 16);
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++) {
            __m512bh a = (__m512bh)_mm512_set1_epi32((int)Ap[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
        Ap += BMR;
        Bp += BNR;
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    if (mr == rows && nr == BNR) {
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
            for (int j = 0; j < 2; j++) {
                float *c = C + i * ldc + j * 16;
                __m512 r = _mm512_mul_ps(va, acc[i][j]);
                if (beta != 0.0f) r = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c), r);
                _mm512_storeu_ps(c, r);
            }
        return;
    }
    float tile[BMR * BNR];
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < 2; j++) _mm512_storeu_ps(tile + i * BNR + j * 16, _mm512_mul_ps(va, acc[i][j]));
    for (long i = 0; i < mr; i++)
        for (long j = 0; j < nr; j++) {
            float *c = C + i * ldc + j;
            *c = beta != 0.0f ? beta * *c + tile[i * BNR + j] : tile[i * BNR + j];
        }
}

// The register-only vdpbf16ps loop (rc_bf16_peak_loop): 16 independent
// accumulators (12 leave it latency-bound on Zen 5: 290 against 390
// GFLOP/s), 32 multiply-adds per instruction.
BF_ATTR static float bf_peak_loop(long iterations, float seed) {
    __m512 acc[16];
    for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps(seed * (float)i);
    __m512bh a = (__m512bh)_mm512_set1_epi32(0x3f803f80), b = (__m512bh)_mm512_set1_epi32(0x3c003c00);
    for (long n = 0; n < iterations; n++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < 16; i++) acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
        __asm__ __volatile__("" : "+v"(a));  // keep the loop a loop
    }
    __m512 sum = acc[0];
    for (int i = 1; i < 16; i++) sum = _mm512_add_ps(sum, acc[i]);
    return _mm512_reduce_add_ps(sum);
}

BF_ATTR static void bf_micro_kernel(long pairs, const uint32_t *Ap, const uint32_t *Bp, float *C, long ldc, long mr,
                                    long nr, float alpha, float beta) {
    if (mr == 1) bf_tile(1, pairs, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr == 2) bf_tile(2, pairs, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr <= 4) bf_tile(4, pairs, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr <= 8) bf_tile(8, pairs, Ap, Bp, C, ldc, mr, nr, alpha, beta);
    else bf_tile(BMR, pairs, Ap, Bp, C, ldc, mr, nr, alpha, beta);
}

// C[M, N] against columns n0 ..< n0 + N of a packed B of K rows.
BF_ATTR static void bf_gemm_packed(int transA, long M, long N, long K, float alpha, const float *A, long lda,
                                   const uint32_t *Bpacked, long n0, float beta, float *C, long ldc) {
    long totalPairs = (K + 1) / 2;
    uint32_t *Ap = rc_bf16_workspace(0, (size_t)bf_round_up(M < BMC ? M : BMC, BMR) * (BKC / 2) * sizeof(uint32_t));
    for (long pc = 0; pc < K; pc += BKC) {
        long kc = K - pc < BKC ? K - pc : BKC, pairs = (kc + 1) / 2;
        float blockBeta = pc == 0 ? beta : 1.0f;
        for (long ic = 0; ic < M; ic += BMC) {
            long mc = M - ic < BMC ? M - ic : BMC;
            bf_pack_a(transA, mc, kc, A, lda, ic, pc, Ap);
            for (long jr = 0; jr < N; jr += BNR) {
                long nr = N - jr < BNR ? N - jr : BNR;
                const uint32_t *panel = Bpacked + ((n0 + jr) / BNR) * totalPairs * BNR + (pc / 2) * BNR;
                for (long ir = 0; ir < mc; ir += BMR) {
                    long mr = mc - ir < BMR ? mc - ir : BMR;
                    bf_micro_kernel(pairs, Ap + ir * pairs, panel, C + (ic + ir) * ldc + jr, ldc, mr, nr, alpha,
                                    blockBeta);
                }
            }
        }
    }
}
#elif defined(__aarch64__)
#define BNR RC_BF16_ARM_NR
#else
#define BNR 1
#endif

// ---- Fallback: rounded copies through the fp32 kernels ----

// op-shaped region of a row-major matrix (rows x cols as stored, ld apart),
// rounded to bf16 into a dense copy (ld = cols).
static float *rounded_copy(int which, long rows, long cols, const float *X, long ld) {
    float *copy = rc_bf16_workspace(which, (size_t)rows * (size_t)cols * sizeof(float));
    for (long i = 0; i < rows; i++) rc_bf16_round(X + i * ld, copy + i * cols, cols);
    return copy;
}

static void scale_c(long M, long N, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
}

float rc_bf16_peak_loop(long iterations, float seed) {
#if defined(__x86_64__)
    if (native(RC_ISA_AVX512)) return bf_peak_loop(iterations, seed);
#elif defined(__aarch64__)
    if (native(RC_ISA_NEON)) return rc_bf16_arm_peak_loop(iterations, seed);
#endif
    (void)iterations;
    return seed;
}

int rc_bgemm_nr(int isa) { return native(isa) ? BNR : rc_gemm_nr(isa); }

size_t rc_bgemm_packed_b_size(int isa, long K, long N) {
    if (K <= 0 || N <= 0) return 0;
#if defined(__x86_64__)
    if (native(isa)) return (size_t)((K + 1) / 2) * (size_t)bf_round_up(N, BNR);
#elif defined(__aarch64__)
    if (native(isa)) return rc_bf16_arm_packed_b_size(K, N);
#endif
    return rc_sgemm_packed_b_size(isa, K, N);
}

void rc_bgemm_pack_b_columns(int isa, int transB, long K, long N, const float *B, long ldb, long j0, long j1,
                             float *packed) {
    if (j1 > N) j1 = N;
    if (K <= 0 || j0 >= j1) return;
#if defined(__x86_64__)
    if (native(isa)) {
        bf_pack_b(transB, K, j0, j1, B, ldb, (uint32_t *)packed);
        return;
    }
#elif defined(__aarch64__)
    if (native(isa)) {
        rc_bf16_arm_pack_b(transB, K, j0, j1, B, ldb, packed);
        return;
    }
#endif
    // Columns j0 ..< j1 of op(B), rounded, packed as the fp32 kernels pack.
    long width = j1 - j0, nr = rc_gemm_nr(isa), kcMax = rc_gemm_kc(), paddedN = bf_round_up(N, nr);
    float *copy;
    if (transB) copy = rounded_copy(1, width, K, B + j0 * ldb, ldb);  // [width, K]
    else {
        copy = rc_bf16_workspace(1, (size_t)K * (size_t)width * sizeof(float));  // [K, width]
        for (long k = 0; k < K; k++) rc_bf16_round(B + k * ldb + j0, copy + k * width, width);
    }
    for (long pc = 0; pc < K; pc += kcMax) {
        long kc = K - pc < kcMax ? K - pc : kcMax;
        rc_sgemm_pack_b_block(isa, transB, kc, width, copy, transB ? K : width, pc, 0, 0, width,
                              packed + pc * paddedN + j0 * kc);
    }
}

void rc_bgemm_pack_b(int isa, int transB, long K, long N, const float *B, long ldb, float *packed) {
    rc_bgemm_pack_b_columns(isa, transB, K, N, B, ldb, 0, N, packed);
}

void rc_bgemm_prepacked(int isa, int transA, long M, long N, long K, float alpha, const float *A, long lda,
                        const float *Bpacked, long packedN, long n0, float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { scale_c(M, N, beta, C, ldc); return; }
#if defined(__x86_64__)
    if (native(isa)) {
        (void)packedN;
        bf_gemm_packed(transA, M, N, K, alpha, A, lda, (const uint32_t *)Bpacked, n0, beta, C, ldc);
        return;
    }
#elif defined(__aarch64__)
    if (native(isa)) {
        (void)packedN;
        rc_bf16_arm_gemm_packed(transA, M, N, K, alpha, A, lda, Bpacked, n0, beta, C, ldc);
        return;
    }
#endif
    const float *a = transA ? rounded_copy(0, K, M, A, lda) : rounded_copy(0, M, K, A, lda);
    rc_sgemm_prepacked(isa, transA, M, N, K, alpha, a, transA ? M : K, Bpacked, packedN, n0, beta, C, ldc);
}

void rc_bgemm(int isa, int transA, int transB, long M, long N, long K, float alpha, const float *A, long lda,
              const float *B, long ldb, float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { scale_c(M, N, beta, C, ldc); return; }
#if defined(__x86_64__)
    if (native(isa)) {
        float *packed = rc_bf16_workspace(2, rc_bgemm_packed_b_size(isa, K, N) * sizeof(float));
        bf_pack_b(transB, K, 0, N, B, ldb, (uint32_t *)packed);
        bf_gemm_packed(transA, M, N, K, alpha, A, lda, (const uint32_t *)packed, 0, beta, C, ldc);
        return;
    }
#elif defined(__aarch64__)
    if (native(isa)) {
        float *packed = rc_bf16_workspace(2, rc_bgemm_packed_b_size(isa, K, N) * sizeof(float));
        rc_bf16_arm_pack_b(transB, K, 0, N, B, ldb, packed);
        rc_bf16_arm_gemm_packed(transA, M, N, K, alpha, A, lda, packed, 0, beta, C, ldc);
        return;
    }
#endif
    const float *a = transA ? rounded_copy(0, K, M, A, lda) : rounded_copy(0, M, K, A, lda);
    const float *b = transB ? rounded_copy(1, N, K, B, ldb) : rounded_copy(1, K, N, B, ldb);
    rc_sgemm(isa, transA, transB, M, N, K, alpha, a, transA ? M : K, b, transB ? K : N, beta, C, ldc);
}
