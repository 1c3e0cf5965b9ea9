// SPDX-License-Identifier: MIT
// The register-only multiply-add loop of peak_impl.h, per instruction set.
#include "CRecurrentKernels.h"

#define ISA_IMPL "peak_impl.h"
#include "isa_instances.h"

static void pk_dispatch(int isa, long iterations, float seed, float *result) {
    ISA_DISPATCH(isa, pk_fma_loop, (iterations, seed, result));
}

float rc_fma_peak_loop(int isa, long iterations, float seed) {
    float result = 0;
    pk_dispatch(isa, iterations, seed, &result);
    return result;
}

int rc_fma_peak_lanes(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case RC_ISA_AVX512: return 16;
    case RC_ISA_AVX2: return 8;
#endif
    default: return 4;
    }
}
