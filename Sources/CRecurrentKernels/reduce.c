// SPDX-License-Identifier: MIT
// Column sums: reduce_impl.h compiled once per instruction set
// (isa_instances.h), chosen by the caller's `isa`.
#include "CRecurrentKernels.h"

#define ISA_IMPL "reduce_impl.h"
#include "isa_instances.h"

void rc_column_sums(int isa, const float *x, long rows, long columns, long ld, float *sums) {
    ISA_DISPATCH(isa, rd_column_sums, (x, rows, columns, ld, sums));
}
