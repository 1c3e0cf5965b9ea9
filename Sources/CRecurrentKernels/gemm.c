// SPDX-License-Identifier: MIT
// SGEMM: packing, per-thread workspace, one kernel set per ISA (gemm_impl.h)
// and the dispatch between them.
#include "CRecurrentKernels.h"
#include <stdlib.h>
#include <string.h>

// Cache blocking, shared by every ISA: a kc x NR panel of B (32 KiB at
// NR = 32) stays in L1 while the MR-row panels of an mc x kc block of A
// (128 KiB) stream from L2; a kc x nc block of B lives in L2/L3.
#define GEMM_KC 256
#define GEMM_MC 192
#define GEMM_NC 3072

static inline long round_up(long x, long m) { return (x + m - 1) / m * m; }

// Packing buffers, one pair per thread, grown on demand, never shared.
static _Thread_local float *workspace_a, *workspace_b, *workspace_t;
static _Thread_local size_t capacity_a, capacity_b, capacity_t;

static float *grow(float **buffer, size_t *capacity, size_t floats) {
    if (floats > *capacity) {
        free(*buffer);
        size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
        *buffer = aligned_alloc(64, bytes);
        if (!*buffer) abort();
        *capacity = bytes / sizeof(float);
    }
    return *buffer;
}
static float *rc_workspace_a(size_t floats) { return grow(&workspace_a, &capacity_a, floats); }
static float *rc_workspace_b(size_t floats) { return grow(&workspace_b, &capacity_b, floats); }
static float *rc_workspace_t(size_t floats) { return grow(&workspace_t, &capacity_t, floats); }

// The rows a micro-kernel computes for a panel holding `rows` real rows:
// 1, 2, 4 or the full mr (see micro_kernel in gemm_impl.h).
static inline long tile_rows(long rows, long mr) {
    if (rows == 1) return 1;
    if (rows == 2 && mr > 2) return 2;
    if (rows <= 4 && mr > 4) return 4;
    return mr;
}

typedef float rc_v8f __attribute__((ext_vector_type(8)));

// Eight rows of a row-major matrix (src, lda apart), kc columns, written
// column by column: dst[p*ldd + i] = src[i*lda + p]. Eight columns at a time
// through an 8 x 8 transpose in registers (unpacks of 32-bit, then 64-bit,
// then 128-bit pairs), instead of 64 scalar moves with a stride.
static inline __attribute__((always_inline)) void transpose_rows8(long kc, const float *src, long lda,
                                                                  float *restrict dst, long ldd) {
    long p = 0;
    for (; p + 8 <= kc; p += 8) {
        rc_v8f r[8];
        for (int i = 0; i < 8; i++) memcpy(&r[i], src + i * lda + p, sizeof(rc_v8f));
        rc_v8f t[8], u[8];
        for (int i = 0; i < 4; i++) {
            t[2 * i] = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
            t[2 * i + 1] = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
        }
        // u[q]: columns q and q + 4 of rows 0–3 (q < 4) or rows 4–7 (q ≥ 4, as q − 4).
        for (int half = 0; half < 2; half++) {
            const rc_v8f *v = t + 4 * half;
            u[4 * half + 0] = __builtin_shufflevector(v[0], v[2], 0, 1, 8, 9, 4, 5, 12, 13);
            u[4 * half + 1] = __builtin_shufflevector(v[0], v[2], 2, 3, 10, 11, 6, 7, 14, 15);
            u[4 * half + 2] = __builtin_shufflevector(v[1], v[3], 0, 1, 8, 9, 4, 5, 12, 13);
            u[4 * half + 3] = __builtin_shufflevector(v[1], v[3], 2, 3, 10, 11, 6, 7, 14, 15);
        }
        for (int q = 0; q < 4; q++) {
            rc_v8f low = __builtin_shufflevector(u[q], u[q + 4], 0, 1, 2, 3, 8, 9, 10, 11);
            rc_v8f high = __builtin_shufflevector(u[q], u[q + 4], 4, 5, 6, 7, 12, 13, 14, 15);
            memcpy(dst + (p + q) * ldd, &low, sizeof low);
            memcpy(dst + (p + q + 4) * ldd, &high, sizeof high);
        }
    }
    for (; p < kc; p++)
        for (long i = 0; i < 8; i++) dst[p * ldd + i] = src[i * lda + p];
}

// Ap: the mc x kc block of op(A) at (ic, pc), as panels of mr rows; panel r
// starts at Ap + r*mr*kc and holds, for each k, mr consecutive rows, zero
// past M up to the rows its micro-kernel reads (tile_rows).
static inline __attribute__((always_inline)) void pack_a(int transA, long mc, long kc, const float *A, long lda,
                          long ic, long pc, long mr, float *restrict Ap) {
    if (transA) {
        // Element p of every panel is row p of the stored A. Sixteen rows at
        // a time (16·mc floats, kept in L1) are read in order, and each
        // panel's sixteen k written as one run of 16·mr floats. (Row by row,
        // one row's writes would go to every panel at once, mc/mr write
        // streams; a panel's own column strip, read down lda apart, maps onto
        // a few sets of L1.)
        for (long p0 = 0; p0 < kc; p0 += 16) {
            long steps = kc - p0 < 16 ? kc - p0 : 16;
            const float *src = A + (pc + p0) * lda + ic;
            long ir = 0;
            for (; ir + mr <= mc; ir += mr) {
                float *dst = Ap + ir * kc + p0 * mr;
                for (long p = 0; p < steps; p++)
                    for (long i = 0; i < mr; i++) dst[p * mr + i] = src[p * lda + ir + i];  // fixed length: vector moves
            }
            if (ir < mc) {
                long rows = mc - ir, padded = tile_rows(rows, mr);
                float *dst = Ap + ir * kc + p0 * mr;
                for (long p = 0; p < steps; p++) {
                    for (long i = 0; i < rows; i++) dst[p * mr + i] = src[p * lda + ir + i];
                    for (long i = rows; i < padded; i++) dst[p * mr + i] = 0.0f;
                }
            }
        }
        return;
    }
    for (long ir = 0; ir < mc; ir += mr) {
        long rows = mc - ir < mr ? mc - ir : mr;
        float *panel = Ap + ir * kc;
        if (mr == 8 && rows == 8) {
            transpose_rows8(kc, A + (ic + ir) * lda + pc, lda, panel, 8);
        } else {
            for (long i = 0; i < rows; i++) {
                const float *src = A + (ic + ir + i) * lda + pc;
                for (long p = 0; p < kc; p++) panel[p * mr + i] = src[p];
            }
            for (long i = rows; i < tile_rows(rows, mr); i++)
                for (long p = 0; p < kc; p++) panel[p * mr + i] = 0.0f;
        }
    }
}

// Bp: the kc x nc block of op(B) at (pc, jc), as panels of nr columns;
// panel q starts at Bp + q*nr*kc and holds, for each k, nr consecutive
// columns (zero past N).
static inline __attribute__((always_inline)) void pack_b(int transB, long kc, long nc, const float *B, long ldb,
                          long pc, long jc, long nr, float *restrict Bp) {
    if (!transB) {
        // Row p of B holds row p of every panel: each read once, in order
        // (as for the transposed A in pack_a).
        for (long p = 0; p < kc; p++) {
            const float *src = B + (pc + p) * ldb + jc;
            long jr = 0;
            for (; jr + nr <= nc; jr += nr) {
                float *dst = Bp + jr * kc + p * nr;
                for (long j = 0; j < nr; j++) dst[j] = src[jr + j];  // a fixed length: vector moves
            }
            if (jr < nc) {
                long cols = nc - jr;
                float *dst = Bp + jr * kc + p * nr;
                for (long j = 0; j < cols; j++) dst[j] = src[jr + j];
                for (long j = cols; j < nr; j++) dst[j] = 0.0f;
            }
        }
        return;
    }
    for (long jr = 0; jr < nc; jr += nr) {
        long cols = nc - jr < nr ? nc - jr : nr;
        float *panel = Bp + jr * kc;
        // Columns of op(B) are rows of B: eight at a time through the
        // register transpose, the rest one by one.
        long j = 0;
        for (; j + 8 <= cols; j += 8) transpose_rows8(kc, B + (jc + jr + j) * ldb + pc, ldb, panel + j, nr);
        for (; j < cols; j++) {
            const float *src = B + (jc + jr + j) * ldb + pc;
            for (long p = 0; p < kc; p++) panel[p * nr + j] = src[p];
        }
        for (long j = cols; j < nr; j++)
            for (long p = 0; p < kc; p++) panel[p * nr + j] = 0.0f;
    }
}

// ---- AVX-512: 8 x 32 tile, 16 zmm accumulators ----
#if defined(__x86_64__)
typedef float v16f __attribute__((ext_vector_type(16)));
#define SFX(name) name##_avx512
#define ATTR __attribute__((target("avx512f,avx512vl,fma")))
#define VT v16f
#define VW 16
#define MR 8
#define NRV 2
#define VFMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "gemm_impl.h"
#undef SFX
#undef ATTR
#undef VT
#undef VW
#undef MR
#undef NRV
#undef VFMA

// ---- AVX2 + FMA: 6 x 16 tile, 12 ymm accumulators ----
typedef float v8f __attribute__((ext_vector_type(8)));
#define SFX(name) name##_avx2
#define ATTR __attribute__((target("avx2,fma")))
#define VT v8f
#define VW 8
#define MR 6
#define NRV 2
#define VFMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "gemm_impl.h"
#undef SFX
#undef ATTR
#undef VT
#undef VW
#undef MR
#undef NRV
#undef VFMA
#endif

typedef float v4f __attribute__((ext_vector_type(4)));

// ---- NEON: 8 x 12 tile, 24 q-register accumulators ----
#if defined(__aarch64__)
#define SFX(name) name##_neon
#define ATTR
#define VT v4f
#define VW 4
#define MR 8
#define NRV 3
#define VFMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include "gemm_impl.h"
#undef SFX
#undef ATTR
#undef VT
#undef VW
#undef MR
#undef NRV
#undef VFMA
#endif

// ---- Portable: 4 x 8 tile of 4-lane vectors, multiply then add ----
#define SFX(name) name##_portable
#define ATTR
#define VT v4f
#define VW 4
#define MR 4
#define NRV 2
#define VFMA(a, b, c) ((a) * (b) + (c))
#include "gemm_impl.h"
#undef SFX
#undef ATTR
#undef VT
#undef VW
#undef MR
#undef NRV
#undef VFMA

static int usable(int isa) { return rc_isa_supported(isa) ? isa : RC_ISA_PORTABLE; }

int rc_gemm_mr(int isa) {
    switch (usable(isa)) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: return 8;
    case RC_ISA_AVX2: return 6;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON: return 8;
#endif
    default: return 4;
    }
}

int rc_gemm_nr(int isa) {
    switch (usable(isa)) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: return 32;
    case RC_ISA_AVX2: return 16;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON: return 12;
#endif
    default: return 8;
    }
}

// C = beta * C, reading C only when beta != 0: the product of an empty K.
static void scale_c(long M, long N, float beta, float *C, long ldc) {
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
}

static void sgemm_isa(int isa, int transA, int transB, long M, long N, long K,
                      float alpha, const float *A, long lda, const float *B, long ldb,
                      float beta, float *C, long ldc) {
    switch (isa) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: sgemm_avx512(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); return;
    case RC_ISA_AVX2: sgemm_avx2(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); return;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON: sgemm_neon(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); return;
#endif
    default: sgemm_portable(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc); return;
    }
}

// A product whose C is a few columns wide (the input or output of a layer with
// one or two features: dx = dgx·W_ih, dW_ih = dgxᵀ·x, a one-output head)
// would fill N of a register tile's NR columns, so it is run as its
// transpose, Cᵀ = op(B)ᵀ·op(A)ᵀ, whose N rows fill the tile's short-panel
// rows instead, through a per-thread copy of Cᵀ. Every element is the same
// multiply-adds in the same order of k (a·b = b·a in each fused step), and
// alpha and beta are applied to it alike, so the bits match the direct
// product.
void rc_sgemm(int isa, int transA, int transB, long M, long N, long K,
              float alpha, const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { scale_c(M, N, beta, C, ldc); return; }
    isa = usable(isa);
    if (4 * N <= rc_gemm_nr(isa) && M >= 4 * N) {
        float *T = rc_workspace_t((size_t)M * (size_t)N);
        if (beta != 0.0f)
            for (long i = 0; i < M; i++)
                for (long j = 0; j < N; j++) T[j * M + i] = C[i * ldc + j];
        sgemm_isa(isa, !transB, !transA, N, M, K, alpha, B, ldb, A, lda, beta, T, M);
        for (long i = 0; i < M; i++)
            for (long j = 0; j < N; j++) C[i * ldc + j] = T[j * M + i];
        return;
    }
    sgemm_isa(isa, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

size_t rc_sgemm_packed_b_size(int isa, long K, long N) {
    if (K <= 0 || N <= 0) return 0;
    return (size_t)K * (size_t)round_up(N, rc_gemm_nr(isa));
}

void rc_sgemm_pack_b(int isa, int transB, long K, long N, const float *B, long ldb, float *packed) {
    long nr = rc_gemm_nr(isa), paddedN = round_up(N, nr);
    for (long pc = 0; pc < K; pc += GEMM_KC) {
        long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
        pack_b(transB, kc, N, B, ldb, pc, 0, nr, packed + pc * paddedN);
    }
}

void rc_sgemm_prepacked(int isa, int transA, long M, long N, long K,
                        float alpha, const float *A, long lda,
                        const float *Bpacked, long packedN, long n0,
                        float beta, float *C, long ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { scale_c(M, N, beta, C, ldc); return; }
    switch (usable(isa)) {
#if defined(__x86_64__)
    case RC_ISA_AVX512:
        sgemm_prepacked_avx512(transA, M, N, K, alpha, A, lda, Bpacked, packedN, n0, beta, C, ldc); return;
    case RC_ISA_AVX2:
        sgemm_prepacked_avx2(transA, M, N, K, alpha, A, lda, Bpacked, packedN, n0, beta, C, ldc); return;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON:
        sgemm_prepacked_neon(transA, M, N, K, alpha, A, lda, Bpacked, packedN, n0, beta, C, ldc); return;
#endif
    default:
        sgemm_prepacked_portable(transA, M, N, K, alpha, A, lda, Bpacked, packedN, n0, beta, C, ldc); return;
    }
}

void rc_sgemm_pack_b_rows(int isa, int transB, long K, long N, const float *B, long ldb, float *packed) {
    long nr = rc_gemm_nr(isa), paddedN = round_up(N, nr), group = 4 * nr;
    for (long pc = 0; pc < K; pc += GEMM_KC) {
        long kc = K - pc < GEMM_KC ? K - pc : GEMM_KC;
        float *block = packed + pc * paddedN;
        long jr = 0;
        // Groups of four panels, interleaved by k: row p holds op(B)[pc + p, jr ..< jr + 4·NR].
        for (; jr + group <= N; jr += group) {
            float *dst = block + jr * kc;
            for (long p = 0; p < kc; p++)
                for (long j = 0; j < group; j++)
                    dst[p * group + j] = transB ? B[(jr + j) * ldb + pc + p] : B[(pc + p) * ldb + jr + j];
        }
        if (jr < N) pack_b(transB, kc, N - jr, B, ldb, pc, jr, nr, block + jr * kc);
    }
}

void rc_sgemv_rows(int isa, long N, long K, float alpha, const float *a, const float *packed, float beta, float *c) {
    if (N <= 0) return;
    if (K <= 0) { scale_c(1, N, beta, c, N); return; }
    switch (usable(isa)) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: sgemv_rows_avx512(N, K, alpha, a, packed, beta, c); return;
    case RC_ISA_AVX2: sgemv_rows_avx2(N, K, alpha, a, packed, beta, c); return;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON: sgemv_rows_neon(N, K, alpha, a, packed, beta, c); return;
#endif
    default: sgemv_rows_portable(N, K, alpha, a, packed, beta, c); return;
    }
}

long rc_gemm_kc(void) { return GEMM_KC; }
long rc_gemm_nc(void) { return GEMM_NC; }

void rc_sgemm_pack_b_block(int isa, int transB, long kc, long nc, const float *B, long ldb,
                           long pc, long jc, long j0, long j1, float *packed) {
    if (j1 > nc) j1 = nc;
    if (j0 >= j1 || kc <= 0) return;
    pack_b(transB, kc, j1 - j0, B, ldb, pc, jc + j0, rc_gemm_nr(isa), packed + j0 * kc);
}

void rc_sgemm_block(int isa, int transA, long i0, long i1, long nc, long kc, float alpha,
                    const float *A, long lda, long pc, const float *packed, float beta,
                    float *C, long ldc, long jc) {
    if (i0 >= i1 || nc <= 0 || kc <= 0) return;
    switch (usable(isa)) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: sgemm_block_avx512(transA, i0, i1, nc, kc, alpha, A, lda, pc, packed, beta, C, ldc, jc); return;
    case RC_ISA_AVX2: sgemm_block_avx2(transA, i0, i1, nc, kc, alpha, A, lda, pc, packed, beta, C, ldc, jc); return;
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON: sgemm_block_neon(transA, i0, i1, nc, kc, alpha, A, lda, pc, packed, beta, C, ldc, jc); return;
#endif
    default: sgemm_block_portable(transA, i0, i1, nc, kc, alpha, A, lda, pc, packed, beta, C, ldc, jc); return;
    }
}
