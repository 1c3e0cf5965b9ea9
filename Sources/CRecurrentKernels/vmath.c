// SPDX-License-Identifier: MIT
// Vectorised exp, tanh and sigmoid over float arrays: vmath_impl.h compiled
// once per instruction set (isa_instances.h), chosen by the caller's `isa`.
#include "CRecurrentKernels.h"
#include "vmath_constants.h"

#define ISA_IMPL "vmath_impl.h"
#include "isa_instances.h"

void rc_vexp(int isa, const float *x, float *y, long n) { ISA_DISPATCH(isa, vm_exp_array, (x, y, n)); }

void rc_vtanh(int isa, const float *x, float *y, long n) { ISA_DISPATCH(isa, vm_tanh_array, (x, y, n)); }

void rc_vsigmoid(int isa, const float *x, float *y, long n) { ISA_DISPATCH(isa, vm_sigmoid_array, (x, y, n)); }
