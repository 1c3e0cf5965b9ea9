// SPDX-License-Identifier: MIT
// Which instruction sets this CPU runs, asked once.
#include "CRecurrentKernels.h"

int rc_isa_supported(int isa) {
    switch (isa) {
    case RC_ISA_PORTABLE:
        return 1;
#if defined(__x86_64__) || defined(__i386__)
    case RC_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case RC_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("fma");
#endif
#if defined(__aarch64__)
    case RC_ISA_NEON:
        return 1;
#endif
    default:
        return 0;
    }
}

int rc_isa_best(void) {
    if (rc_isa_supported(RC_ISA_AVX512)) return RC_ISA_AVX512;
    if (rc_isa_supported(RC_ISA_AVX2)) return RC_ISA_AVX2;
    if (rc_isa_supported(RC_ISA_NEON)) return RC_ISA_NEON;
    return RC_ISA_PORTABLE;
}

#include <stdlib.h>  // defines __GLIBC__ where the C library is glibc
#if defined(__GLIBC__)
#include <malloc.h>
int rc_keep_freed_memory(void) {
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) && mallopt(M_TRIM_THRESHOLD, 1 << 30) && mallopt(M_TOP_PAD, 64 << 20);
}
#else
int rc_keep_freed_memory(void) { return 0; }
#endif
