// SPDX-License-Identifier: MIT
// What the checks of scripts/neon share (driver.c: the fp32 kernels and
// main; bf16.c: the bf16 GEMM).
#ifndef RC_NEON_CHECK_H
#define RC_NEON_CHECK_H
#include "CRecurrentKernels.h"

extern int failures;  // kernels that missed their bound
float uniform(float lo, float hi);
float *randoms(long n, float lo, float hi);
// Prints one line; counts a failure when worst > limit (or is NaN).
void report(const char *kernel, double worst, double limit, const char *unit);

// The bf16 GEMM of the neon and portable sets; `expect_native` is whether
// this CPU should have FEAT_BF16 (qemu -cpu max: 1; -cpu cortex-a72: 0).
void check_bf16(int expect_native);
#endif
