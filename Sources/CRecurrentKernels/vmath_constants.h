// SPDX-License-Identifier: MIT
// Constants of the vectorised exp, tanh and sigmoid (vmath_impl.h), shared by
// vmath.c and the fused cell passes of cells.c.
#ifndef VMATH_CONSTANTS_H
#define VMATH_CONSTANTS_H

#define VM_LOG2E 0x1.715476p+0f
#define VM_MAGIC 0x1.8p+23f
#define VM_LN2_HI 0x1.63p-1f
#define VM_LN2_LO -0x1.bd0106p-13f
// P(r) ~ (e^r - 1 - r) / r^2 on |r| <= 0.3473: minimax (Lawson's iteration on
// a Chebyshev grid, relative weight |r|), coefficients rounded to float.
#define VM_P0 0x1p-1f
#define VM_P1 0x1.5554aep-3f
#define VM_P2 0x1.555486p-5f
#define VM_P3 0x1.12290ep-7f
#define VM_P4 0x1.6d9a86p-10f
// e^89 overflows and e^-104 < 2^-150 rounds to 0, so clamping there changes
// no result and keeps n within [-150, 128].
#define VM_EXP_HI 89.0f
#define VM_EXP_LO -104.0f
// tanh(9.1) rounds to 1 (1 - tanh(x) ~ 2e^-2x < 2^-25 from x ~ 9.01).
#define VM_TANH_HI 9.1f

#endif
