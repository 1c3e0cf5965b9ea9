// SPDX-License-Identifier: MIT
// Checks the bf16 GEMM (rc_bgemm, rc_bgemm_pack_b(_columns),
// rc_bgemm_prepacked) of the neon set, which runs BFMMLA where the CPU has
// FEAT_BF16 and the rounding fallback elsewhere, and of the portable set (the
// fallback always, as RECURRENT_ISA=portable forces), against a reference
// written here: the operands rounded to bf16 by an independent rule
// (nearbyint of the value scaled to 8 significant bits), exact products, the
// sum in double.
//
// Tolerance: |c - ref| <= (K + 4 + 2·blocks)·u·(|alpha|·sum_p |a_ip b_pj| + |beta|·|c0_ij|),
// the float dot-product bound with one rounding per addition, the alpha and
// beta terms, and two more per block of 512 k where the kernel adds a block's
// sums into C. u = 2^-24 for the fallback (round to nearest even); 2^-23 for
// BFMMLA, whose additions round to odd (Arm ARM, FEAT_BF16 without EBF16:
// faithful, an error below one ulp). The naive fp32 loop, summing in order of
// k, is measured against the same bound beside each line to show it is not
// loose.
#include "check.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { KBLOCK = 512 };  // gemm_bf16_arm.c's AKC: the blocks of k summed into C

// x rounded to bf16 (8 significant bits, nearest with ties to even), as a float.
static float ref_bf16(float x) {
    if (isnan(x) || isinf(x) || x == 0) return x;
    int e = ilogbf(x);
    if (e < -126) e = -126;  // bf16 subnormals: steps of 2^-133, as fp32's exponent range
    double scale = ldexp(1.0, 7 - e), r = nearbyint((double)x * scale) / scale;
    return fabs(r) >= 0x1p128 ? copysignf(INFINITY, x) : (float)r;
}

static const char *set_name(int isa) { return isa == RC_ISA_NEON ? "neon" : "portable"; }

struct errors { double kernel, naive; };  // worst error of each, in units of the bound

static struct errors bgemm_case(int isa, int ta, int tb, long M, long N, long K, float alpha, float beta) {
    long lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
    float *A = randoms((ta ? K : M) * lda, -1, 1), *B = randoms((tb ? N : K) * ldb, -1, 1);
    float *C = randoms(M * ldc, -1, 1), *C0 = malloc((size_t)(M * ldc) * sizeof(float));
    memcpy(C0, C, (size_t)(M * ldc) * sizeof(float));
    if (beta == 0) for (long i = 0; i < M; i++) C[i * ldc] = NAN;  // beta = 0 must not read C
    rc_bgemm(isa, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    double u = rc_bf16_native(isa) ? 0x1p-23 : 0x1p-24, blocks = (double)((K + KBLOCK - 1) / KBLOCK);
    long sizeA = (ta ? K : M) * lda, sizeB = (tb ? N : K) * ldb;
    float *rA = malloc((size_t)sizeA * sizeof(float)), *rB = malloc((size_t)sizeB * sizeof(float));
    for (long i = 0; i < sizeA; i++) rA[i] = ref_bf16(A[i]);
    for (long i = 0; i < sizeB; i++) rB[i] = ref_bf16(B[i]);
    struct errors worst = {0, 0};
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double sum = 0, mag = 0;
            float naive = 0;
            for (long p = 0; p < K; p++) {
                float a = ta ? rA[p * lda + i] : rA[i * lda + p], b = tb ? rB[j * ldb + p] : rB[p * ldb + j];
                sum += (double)a * b;
                mag += fabs((double)a * b);
                naive += a * b;  // exact product (8 x 8 bits), one rounding
            }
            double c0 = beta == 0 ? 0 : C0[i * ldc + j];
            double ref = (double)alpha * sum + beta * c0;
            double bound = (K + 4 + 2 * blocks) * u * (fabs(alpha) * mag + fabs(beta) * fabs(c0)) + 1e-30;
            double e = fabs(C[i * ldc + j] - ref) / bound;
            if (!(e <= worst.kernel)) worst.kernel = isnan(e) ? INFINITY : e;
            float naiveC = beta == 0 ? alpha * naive : alpha * naive + beta * (float)c0;
            worst.naive = fmax(worst.naive, fabs(naiveC - ref) / bound);
        }
    free(A); free(B); free(C); free(C0); free(rA); free(rB);
    return worst;
}

// Every transpose, on sizes about the 12 x 8 tile, K about its quads of 4
// and its blocks of 512, M about the 192-row blocks; alpha and beta cycled.
static void check_shapes(int isa) {
    static const long ms[] = {1, 2, 5, 12, 13, 31, 200}, ns[] = {1, 7, 8, 9, 31, 67};
    static const long ks[] = {1, 2, 3, 4, 5, 8, 33, 130, 513, 1030};
    static const float ab[][2] = {{1, 0}, {0.5f, 1}, {-1.25f, 0.75f}, {2, -1}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            struct errors worst = {0, 0};
            int cases = 0;
            for (int m = 0; m < 7; m++)
                for (int n = 0; n < 6; n++)
                    for (int k = 0; k < 10; k++) {
                        if (ms[m] * ns[n] * ks[k] > 200000) continue;  // keep qemu quick
                        const float *s = ab[(m + n + k) % 4];
                        struct errors e = bgemm_case(isa, ta, tb, ms[m], ns[n], ks[k], s[0], s[1]);
                        worst.kernel = fmax(worst.kernel, e.kernel);
                        worst.naive = fmax(worst.naive, e.naive);
                        cases++;
                    }
            char name[96];
            snprintf(name, sizeof name, "rc_bgemm %s transA=%d transB=%d (%d shapes; naive fp32 %.2f)",
                     set_name(isa), ta, tb, cases, worst.naive);
            report(name, worst.kernel, 1, "x bound");
        }
}

// One exact product per entry, so the bits must be bf16(a)·bf16(b): ties to
// even both ways, the largest floats rounding to infinity, NaN staying NaN.
// K = 5, every k but one zero: k = 0 and 3 lie in a whole quad (packed by
// the vector conversions where a panel is whole: the first 12 rows, the 8
// columns), k = 4 in the zero-padded last quad (packed one value at a time).
static void check_rounding(int isa) {
    static const float a[] = {1 + 0x1p-8f, 1 + 3 * 0x1p-8f, -(1 + 0x1p-8f), 1 + 0x1p-8f + 0x1p-20f, 1 - 0x1p-9f,
                              0x1.fep127f, -0x1.fffffep127f, 3.0e38f, -INFINITY, NAN, 1e-30f, 0.1f, -7.77f, 65504.0f};
    static const float b[] = {1, 0.5f, -2, 1 + 0x1p-9f, 0.25f, -1, 3, 1 + 0x1p-8f, -0.375f};
    enum { M = sizeof a / sizeof *a, N = sizeof b / sizeof *b, K = 5 };
    static const int nonzero[] = {0, 3, 4};
    long mismatches = 0;
    for (int z = 0; z < 3; z++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                float A[M * K] = {0}, B[K * N] = {0}, c[M * N];
                int kk = nonzero[z];
                for (int i = 0; i < M; i++) A[ta ? kk * M + i : i * K + kk] = a[i];
                for (int j = 0; j < N; j++) B[tb ? j * K + kk : kk * N + j] = b[j];
                rc_bgemm(isa, ta, tb, M, N, K, 1, A, ta ? M : K, B, tb ? K : N, 0, c, N);
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++) {
                        float want = ref_bf16(a[i]) * ref_bf16(b[j]), got = c[i * N + j];
                        if (isnan(want) ? !isnan(got) : memcmp(&want, &got, sizeof got) != 0) {
                            if (mismatches++ < 5)
                                printf("  k=%d: bf16(%a)·bf16(%a) = %a, got %a\n", kk, a[i], b[j], want, got);
                        }
                    }
            }
    char name[64];
    snprintf(name, sizeof name, "rc_bgemm %s rounding (bits of single products)", set_name(isa));
    report(name, (double)mismatches, 0, "products differing");
}

// The recurrent product's path: B packed once (whole, or in two column
// ranges as two threads would), then products against column ranges of it
// (n0 a multiple of rc_bgemm_nr) and row ranges split at multiples of 8, as
// GEMM.bgemmPrepacked splits them: the bits of rc_bgemm on the same columns.
static void check_prepacked(int isa) {
    long mismatches = 0;
    for (int tb = 0; tb < 2; tb++)
        for (int ta = 0; ta < 2; ta++) {
            const long M = 29, N = 45, K = 23;
            long nr = rc_bgemm_nr(isa), n0 = nr, width = N - n0 - 3, lda = ta ? M : K, ldb = tb ? K : N;
            float *A = randoms(M * K, -1, 1), *B = randoms(K * N, -1, 1), *C0 = randoms(M * N, -1, 1);
            size_t size = rc_bgemm_packed_b_size(isa, K, N);
            float *whole = malloc(size * sizeof(float)), *halves = malloc(size * sizeof(float));
            float *ref = malloc((size_t)(M * N) * sizeof(float)), *C = malloc((size_t)(M * N) * sizeof(float));
            memset(whole, 0xff, size * sizeof(float));
            memset(halves, 0x7f, size * sizeof(float));  // packing writes every entry
            rc_bgemm_pack_b(isa, tb, K, N, B, ldb, whole);
            long split = (N / nr / 2) * nr;
            rc_bgemm_pack_b_columns(isa, tb, K, N, B, ldb, split, N, halves);
            rc_bgemm_pack_b_columns(isa, tb, K, N, B, ldb, 0, split, halves);
            if (memcmp(whole, halves, size * sizeof(float)) != 0) mismatches++;
            // Columns n0 ..< n0 + width of op(B).
            const float *Bcols = tb ? B + n0 * ldb : B + n0;
            memcpy(ref, C0, (size_t)(M * N) * sizeof(float));
            memcpy(C, C0, (size_t)(M * N) * sizeof(float));
            rc_bgemm(isa, ta, tb, M, width, K, 0.5f, A, lda, Bcols, ldb, 1, ref, N);
            for (long first = 0; first < M; first += 8) {
                long rows = M - first < 8 ? M - first : 8;
                rc_bgemm_prepacked(isa, ta, rows, width, K, 0.5f, ta ? A + first : A + first * lda, lda, halves, N,
                                   n0, 1, C + first * N, N);
            }
            for (long i = 0; i < M * N; i++)
                if (memcmp(&C[i], &ref[i], sizeof(float)) != 0) mismatches++;
            free(A); free(B); free(C0); free(whole); free(halves); free(ref); free(C);
        }
    char name[80];
    snprintf(name, sizeof name, "rc_bgemm_prepacked %s (bits of rc_bgemm)", set_name(isa));
    report(name, (double)mismatches, 0, "entries differing");
}

void check_bf16(int expect_native) {
    int supported = rc_bf16_native_supported(), native = rc_bf16_native(RC_ISA_NEON);
    printf("bf16: FEAT_BF16 %s here (expected %s); neon bf16 products: %s, panel %d columns\n",
           supported ? "found" : "not found", expect_native ? "found" : "not found",
           native ? "BFMMLA" : "rounding fallback", rc_bgemm_nr(RC_ISA_NEON));
    int detection = supported == expect_native && native == expect_native && !rc_bf16_native(RC_ISA_PORTABLE)
                    && rc_bgemm_nr(RC_ISA_NEON) == (expect_native ? 8 : rc_gemm_nr(RC_ISA_NEON));
    report("rc_bf16_native_supported / rc_bf16_native", detection ? 0 : 1, 0, "wrong answers");
    if (native) {
        // 16 accumulators of 4 lanes, seed·i each, plus 2·4 products of
        // 1·2^-7 per iteration: 4·seed·120 + 4·iterations, all exact.
        long iterations = 1000;
        float seed = 0.125f, sum = rc_bf16_peak_loop(iterations, seed);
        report("rc_bf16_peak_loop (BFMMLA, exact sum)", fabs(sum - (480 * seed + 4.0 * iterations)), 0, "abs");
    }
    int sets[] = {RC_ISA_NEON, RC_ISA_PORTABLE};
    for (int s = 0; s < 2; s++) {
        check_rounding(sets[s]);
        check_shapes(sets[s]);
        check_prepacked(sets[s]);
    }
}
