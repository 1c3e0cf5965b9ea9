// SPDX-License-Identifier: MIT
// One ISA's column sums (the bias gradients: Σ over B·T rows of dgates).
// Included once per ISA by reduce.c with isa_instances.h's VM_* macros.
//
// Each column is summed in row order from +0, exactly as the scalar loop
// `s[j] += x[r][j]` does, so every ISA gives the same bits; the vectors only
// run several columns side by side, their partial sums kept in registers
// (four vectors of columns per pass over the rows) instead of in memory.

VM_ATTR static void VM_SFX(rd_column_sums)(const float *x, long rows, long columns, long ld, float *sums) {
    long j = 0;
    for (; j + 4 * VM_W <= columns; j += 4 * VM_W) {
        VM_F a0 = (VM_F)(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (long r = 0; r < rows; r++) {
            const float *row = x + r * ld + j;
            VM_F v0, v1, v2, v3;
            __builtin_memcpy(&v0, row, sizeof v0);
            __builtin_memcpy(&v1, row + VM_W, sizeof v1);
            __builtin_memcpy(&v2, row + 2 * VM_W, sizeof v2);
            __builtin_memcpy(&v3, row + 3 * VM_W, sizeof v3);
            a0 += v0;
            a1 += v1;
            a2 += v2;
            a3 += v3;
        }
        __builtin_memcpy(sums + j, &a0, sizeof a0);
        __builtin_memcpy(sums + j + VM_W, &a1, sizeof a1);
        __builtin_memcpy(sums + j + 2 * VM_W, &a2, sizeof a2);
        __builtin_memcpy(sums + j + 3 * VM_W, &a3, sizeof a3);
    }
    for (; j + VM_W <= columns; j += VM_W) {
        VM_F a = (VM_F)(0.0f);
        for (long r = 0; r < rows; r++) {
            VM_F v;
            __builtin_memcpy(&v, x + r * ld + j, sizeof v);
            a += v;
        }
        __builtin_memcpy(sums + j, &a, sizeof a);
    }
    for (; j < columns; j++) {
        float s = 0.0f;
        for (long r = 0; r < rows; r++) s += x[r * ld + j];
        sums[j] = s;
    }
}
