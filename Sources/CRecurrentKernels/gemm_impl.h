// SPDX-License-Identifier: MIT
// One ISA's GEMM: register-blocked micro-kernel and the blocked loops around
// it. Included once per ISA by gemm.c with these defined:
//   SFX(name)  appends the ISA's suffix      ATTR   its target attribute
//   VT, VW     vector type and its lanes     MR     rows of the register tile
//   NRV        vectors per tile row (NR = NRV * VW)
//   VFMA(a, b, c)  a * b + c, fused where the ISA has it
//
// Letters: C[M, N] = alpha * op(A)[M, K] * op(B)[K, N] + beta * C.
// Packed A: panels of MR rows, each kc x MR (k-major). Packed B: panels of
// NR columns, each kc x NR (k-major); see pack_a / pack_b in gemm.c.

#define NR (NRV * VW)

// acc[rows][NRV] = Ap[rows x kc] * Bp[kc x NR], then the C tile (rows x nr
// of it) = alpha*acc + beta*C. `rows` is a constant after inlining: the full
// tile MR, or fewer for the last panel of A, so that a product with one row
// (a batch of one, streaming) does one row's work, not MR rows'.
ATTR static inline __attribute__((always_inline)) void SFX(tile)(
    const int rows, long kc, const float *restrict Ap, const long as, const float *restrict Bp,
    float *restrict C, long ldc, long mr, long nr, float alpha, float beta) {
    VT acc[MR][NRV];
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NRV; j++) acc[i][j] = (VT)0.0f;
    // The C tile is read (β ≠ 0) and written after the loop: ask for it now,
    // so that its lines arrive during the loop instead of stalling after it.
#pragma clang loop unroll(full)
    for (int i = 0; i < rows; i++) {
        __builtin_prefetch(C + i * ldc, 1, 3);
        __builtin_prefetch(C + i * ldc + NR - 1, 1, 3);
    }

#pragma clang loop unroll_count(2)
    for (long p = 0; p < kc; p++) {
        VT b[NRV];
#pragma clang loop unroll(full)
        for (int j = 0; j < NRV; j++) __builtin_memcpy(&b[j], Bp + j * VW, sizeof(VT));
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++) {
            VT a = (VT)Ap[i];
#pragma clang loop unroll(full)
            for (int j = 0; j < NRV; j++) acc[i][j] = VFMA(a, b[j], acc[i][j]);
        }
        Ap += as;
        Bp += NR;
    }

    VT va = (VT)alpha, vb = (VT)beta;
    if (mr == rows && nr == NR) {
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++) {
#pragma clang loop unroll(full)
            for (int j = 0; j < NRV; j++) {
                float *c = C + i * ldc + j * VW;
                VT r = va * acc[i][j];
                if (beta != 0.0f) {
                    VT old;
                    __builtin_memcpy(&old, c, sizeof(VT));
                    r = VFMA(vb, old, r);
                }
                __builtin_memcpy(c, &r, sizeof(VT));
            }
        }
    } else {
        float tile[MR * NR];
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++)
#pragma clang loop unroll(full)
            for (int j = 0; j < NRV; j++) {
                VT r = va * acc[i][j];
                __builtin_memcpy(tile + i * NR + j * VW, &r, sizeof(VT));
            }
        for (long i = 0; i < mr; i++)
            for (long j = 0; j < nr; j++) {
                float *c = C + i * ldc + j;
                *c = beta != 0.0f ? beta * *c + tile[i * NR + j] : tile[i * NR + j];
            }
    }
}

// One register tile: the full MR rows, or 1, 2 or 4 rows for a short last
// panel (other counts round up; the packed rows past M are zero). A single
// row's element k is `as` floats after element k − 1: MR when packed, 1 when
// read in place (sgemm_prepacked of one row).
ATTR static void SFX(micro_kernel)(long kc, const float *restrict Ap, long as, const float *restrict Bp,
                                   float *restrict C, long ldc, long mr, long nr,
                                   float alpha, float beta) {
    if (mr == 1) SFX(tile)(1, kc, Ap, as, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr == 2 && MR > 2) SFX(tile)(2, kc, Ap, MR, Bp, C, ldc, mr, nr, alpha, beta);
    else if (mr <= 4 && MR > 4) SFX(tile)(4, kc, Ap, MR, Bp, C, ldc, mr, nr, alpha, beta);
    else SFX(tile)(MR, kc, Ap, MR, Bp, C, ldc, mr, nr, alpha, beta);
}

// One row of C against four panels of B at once: a single row (a batch of
// one) has too few independent sums to hide the multiply-add latency in
// tile(1); four panels give 4·NRV chains. Each element is still summed over
// k in the same order, so the bits match tile(1) and tile(MR). Element j of
// panel q at step p is at Bp + q·qs + p·ps + j: qs = NR·kc, ps = NR for
// rc_sgemm_pack_b's panels; qs = NR, ps = 4·NR for rc_sgemm_pack_b_rows'
// groups, where the four panels are one stream.
ATTR static inline __attribute__((always_inline)) void SFX(row_kernel4)(
    long kc, const float *restrict Ap, long as, const float *restrict Bp, const long qs, const long ps,
    float *restrict C, float alpha, float beta) {
    VT acc[4][NRV];
#pragma clang loop unroll(full)
    for (int q = 0; q < 4; q++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NRV; j++) acc[q][j] = (VT)0.0f;
    for (long p = 0; p < kc; p++) {
        VT a = (VT)Ap[p * as];
#pragma clang loop unroll(full)
        for (int q = 0; q < 4; q++)
#pragma clang loop unroll(full)
            for (int j = 0; j < NRV; j++) {
                VT b;
                __builtin_memcpy(&b, Bp + q * qs + p * ps + j * VW, sizeof(VT));
                acc[q][j] = VFMA(a, b, acc[q][j]);
            }
    }
    VT va = (VT)alpha, vb = (VT)beta;
#pragma clang loop unroll(full)
    for (int q = 0; q < 4; q++)
#pragma clang loop unroll(full)
        for (int j = 0; j < NRV; j++) {
            float *c = C + q * NR + j * VW;
            VT r = va * acc[q][j];
            if (beta != 0.0f) {
                VT old;
                __builtin_memcpy(&old, c, sizeof(VT));
                r = VFMA(vb, old, r);
            }
            __builtin_memcpy(c, &r, sizeof(VT));
        }
}

// C[mc, nc] (+)= alpha * Apacked[mc x kc] * Bpanels, where panel q of B starts
// at Bp + q * NR * kc.
ATTR static void SFX(macro_kernel_strided)(long mc, long nc, long kc, const float *Ap, long as, const float *Bp,
                                           float *C, long ldc, float alpha, float beta) {
    long jr = 0;
    if (mc == 1)
        for (; jr + 4 * NR <= nc; jr += 4 * NR)
            SFX(row_kernel4)(kc, Ap, as, Bp + jr * kc, NR * kc, NR, C + jr, alpha, beta);
    for (; jr < nc; jr += NR) {
        long nr = nc - jr < NR ? nc - jr : NR;
        for (long ir = 0; ir < mc; ir += MR) {
            long mr = mc - ir < MR ? mc - ir : MR;
            SFX(micro_kernel)(kc, Ap + ir * kc, as, Bp + jr * kc, C + ir * ldc + jr, ldc, mr, nr, alpha, beta);
        }
    }
}

ATTR static void SFX(macro_kernel)(long mc, long nc, long kc, const float *Ap, const float *Bp,
                                   float *C, long ldc, float alpha, float beta) {
    SFX(macro_kernel_strided)(mc, nc, kc, Ap, MR, Bp, C, ldc, alpha, beta);
}

// M within one block of A (the common case of RNN batches): pack all of A
// once per k-block, then pack each NR-column panel of B just before the
// kernels use it, so it is still in L1 — instead of packing a whole block of
// B that falls out to L3 before it is read back.
ATTR static void SFX(sgemm_short)(int transA, int transB, long M, long N, long K, float alpha,
                                  const float *A, long lda, const float *B, long ldb,
                                  float beta, float *C, long ldc) {
    float *Bp = rc_workspace_b(NR * GEMM_KC);
    float *Ap = rc_workspace_a(round_up(M, MR) * GEMM_KC);
    for (long pc = 0; pc < K; pc += GEMM_KC) {
        long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
        float blockBeta = pc == 0 ? beta : 1.0f;
        pack_a(transA, M, kc, A, lda, 0, pc, MR, Ap);
        for (long jr = 0; jr < N; jr += NR) {
            long nr = N - jr < NR ? N - jr : NR;
            pack_b(transB, kc, nr, B, ldb, pc, jr, NR, Bp);
            SFX(macro_kernel)(M, nr, kc, Ap, Bp, C + jr, ldc, alpha, blockBeta);
        }
    }
}

ATTR static void SFX(sgemm)(int transA, int transB, long M, long N, long K, float alpha,
                       const float *A, long lda, const float *B, long ldb,
                       float beta, float *C, long ldc) {
    if (M <= GEMM_MC) {
        SFX(sgemm_short)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    long ncMax = N < GEMM_NC ? N : GEMM_NC;
    float *Bp = rc_workspace_b(round_up(ncMax, NR) * GEMM_KC);
    float *Ap = rc_workspace_a(round_up(M < GEMM_MC ? M : GEMM_MC, MR) * GEMM_KC);
    for (long jc = 0; jc < N; jc += GEMM_NC) {
        long nc = N - jc < GEMM_NC ? N - jc : GEMM_NC;
        for (long pc = 0; pc < K; pc += GEMM_KC) {
            long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
            float blockBeta = pc == 0 ? beta : 1.0f;
            pack_b(transB, kc, nc, B, ldb, pc, jc, NR, Bp);
            for (long ic = 0; ic < M; ic += GEMM_MC) {
                long mc = M - ic < GEMM_MC ? M - ic : GEMM_MC;
                pack_a(transA, mc, kc, A, lda, ic, pc, MR, Ap);
                SFX(macro_kernel)(mc, nc, kc, Ap, Bp, C + ic * ldc + jc, ldc, alpha, blockBeta);
            }
        }
    }
}

ATTR static void SFX(sgemm_prepacked)(int transA, long M, long N, long K, float alpha,
                                 const float *A, long lda, const float *Bpacked, long packedN, long n0,
                                 float beta, float *C, long ldc) {
    long paddedN = round_up(packedN, NR);
    if (M == 1 && !transA) {
        // One row (a batch of one, streaming): read in place, no packing;
        // the same multiply-adds as from the packed row.
        for (long pc = 0; pc < K; pc += GEMM_KC) {
            long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
            SFX(macro_kernel_strided)(1, N, kc, A + pc, 1, Bpacked + pc * paddedN + n0 * kc, C, ldc, alpha,
                                      pc == 0 ? beta : 1.0f);
        }
        return;
    }
    float *Ap = rc_workspace_a(round_up(M < GEMM_MC ? M : GEMM_MC, MR) * GEMM_KC);
    for (long pc = 0; pc < K; pc += GEMM_KC) {
        long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
        float blockBeta = pc == 0 ? beta : 1.0f;
        const float *Bp = Bpacked + pc * paddedN + n0 * kc;
        for (long ic = 0; ic < M; ic += GEMM_MC) {
            long mc = M - ic < GEMM_MC ? M - ic : GEMM_MC;
            pack_a(transA, mc, kc, A, lda, ic, pc, MR, Ap);
            SFX(macro_kernel)(mc, N, kc, Ap, Bp, C + ic * ldc, ldc, alpha, blockBeta);
        }
    }
}

// c[1, N] (+)= alpha·a·op(B) with op(B) from rc_sgemm_pack_b_rows: per
// k-block, each group of four panels is read as one stream (a batch-1 step
// reads every weight once, from L2; one stream is read about 1.4× faster
// than four), then the last panels as sgemm_prepacked reads them. The same
// multiply-adds in the same order as sgemm_prepacked's row, so the same bits.
ATTR static void SFX(sgemv_rows)(long N, long K, float alpha, const float *a, const float *Bpacked,
                                 float beta, float *C) {
    long paddedN = round_up(N, NR);
    for (long pc = 0; pc < K; pc += GEMM_KC) {
        long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
        float blockBeta = pc == 0 ? beta : 1.0f;
        const float *Bp = Bpacked + pc * paddedN;
        long jr = 0;
        for (; jr + 4 * NR <= N; jr += 4 * NR)
            SFX(row_kernel4)(kc, a + pc, 1, Bp + jr * kc, NR, 4 * NR, C + jr, alpha, blockBeta);
        for (; jr < N; jr += NR) {
            long nr = N - jr < NR ? N - jr : NR;
            SFX(micro_kernel)(kc, a + pc, 1, Bp + jr * kc, C + jr, N, 1, nr, alpha, blockBeta);
        }
    }
}

// Rows [i0, i1) of a C block against a packed block of B (rc_sgemm_block).
ATTR static void SFX(sgemm_block)(int transA, long i0, long i1, long nc, long kc, float alpha,
                                  const float *A, long lda, long pc, const float *Bp, float beta,
                                  float *C, long ldc, long jc) {
    float *Ap = rc_workspace_a(round_up(i1 - i0 < GEMM_MC ? i1 - i0 : GEMM_MC, MR) * GEMM_KC);
    for (long ic = i0; ic < i1; ic += GEMM_MC) {
        long mc = i1 - ic < GEMM_MC ? i1 - ic : GEMM_MC;
        pack_a(transA, mc, kc, A, lda, ic, pc, MR, Ap);
        SFX(macro_kernel)(mc, nc, kc, Ap, Bp, C + ic * ldc + jc, ldc, alpha, beta);
    }
}

#undef NR
