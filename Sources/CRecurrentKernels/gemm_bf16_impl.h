// SPDX-License-Identifier: MIT
// What gemm_bf16.c (the face, the fallback, x86's vdpbf16ps) and
// gemm_bf16_arm.c (Arm's BFMMLA) share; not part of the public header.
#ifndef RC_GEMM_BF16_IMPL_H
#define RC_GEMM_BF16_IMPL_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline long bf_round_up(long x, long m) { return (x + m - 1) / m * m; }

// fp32 → bf16, nearest with ties to even; a NaN stays a (quiet) NaN.
static inline uint32_t bf16_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    uint32_t nan = (u >> 16) | 0x40u;
    return (u & 0x7fffffffu) > 0x7f800000u ? nan : rounded;
}

// The calling thread's workspace `which` (0: packed A, 1: rounded B copies,
// 2: B packed inside rc_bgemm), at least `bytes` long, 64-byte aligned.
void *rc_bf16_workspace(int which, size_t bytes);

#if defined(__aarch64__)
// ---- Arm FEAT_BF16 (gemm_bf16_arm.c) ----
// Column panel width of the packed B.
#define RC_BF16_ARM_NR 8

// 1 when the CPU and OS run FEAT_BF16 (BFMMLA, BFCVTN): HWCAP2_BF16 on Linux,
// hw.optional.arm.FEAT_BF16 on Apple systems; 0 elsewhere.
int rc_bf16_arm_supported(void);

// Floats (4-byte units) of op(B) (K x N) packed: K padded to a multiple of 4,
// N to a multiple of RC_BF16_ARM_NR, two bf16 per float.
size_t rc_bf16_arm_packed_b_size(long K, long N);

// Packs columns [j0, j1) of op(B) (j0 a multiple of RC_BF16_ARM_NR).
void rc_bf16_arm_pack_b(int transB, long K, long j0, long j1, const float *B, long ldb, float *packed);

// C[M, N] = alpha·bf16(op(A))·Bpacked[:, n0 ..< n0 + N] + beta·C.
void rc_bf16_arm_gemm_packed(int transA, long M, long N, long K, float alpha, const float *A, long lda,
                             const float *Bpacked, long n0, float beta, float *C, long ldc);

// The register-only BFMMLA loop of rc_bf16_peak_loop.
float rc_bf16_arm_peak_loop(long iterations, float seed);
#endif
#endif
