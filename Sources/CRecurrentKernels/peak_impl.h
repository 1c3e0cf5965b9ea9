// SPDX-License-Identifier: MIT
// A register-only multiply-add loop: the machine's floating-point peak per
// core, the floor every kernel is measured against (DESIGN.md, "Performance
// method"). Compiled once per ISA by isa_instances.h.

#define PK_ACC 12 // independent accumulators: more than latency × throughput (4 × 2) needs

VM_ATTR static void VM_SFX(pk_fma_loop)(long iterations, float seed, float *result) {
    VM_F acc[PK_ACC];
    VM_F a = seed, b = 0.999999f;
    for (int i = 0; i < PK_ACC; i++) acc[i] = seed + (float)i;
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < PK_ACC; i++) acc[i] = VM_FMA(acc[i], b, a);
    }
    VM_F sum = acc[0];
    for (int i = 1; i < PK_ACC; i++) sum += acc[i];
    float total = 0;
    for (int l = 0; l < VM_W; l++) total += sum[l];
    *result = total;
}
