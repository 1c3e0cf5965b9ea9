// SPDX-License-Identifier: MIT
// Compiles the file named by ISA_IMPL once per instruction set, with the VM_*
// macros of vmath_impl.h set for it: the suffix (VM_SFX), the target
// attribute (VM_ATTR), the lanes (VM_W), float/int/unsigned vector types and
// the multiply-add. Portable uses 4 lanes, the baseline register width of
// x86-64 and arm64 (wider vectors would change the calling convention of the
// helpers), and no FMA.
//
// ISA_DISPATCH(isa, name, args) then calls name##_<isa> args for a supported
// isa and name##_portable args otherwise, and returns.

typedef float rc_f4 __attribute__((ext_vector_type(4)));
typedef int rc_i4 __attribute__((ext_vector_type(4)));
typedef unsigned rc_u4 __attribute__((ext_vector_type(4)));

#define VM_SFX(name) name##_portable
#define VM_ATTR
#define VM_W 4
#define VM_F rc_f4
#define VM_I rc_i4
#define VM_U rc_u4
#define VM_FMA(a, b, c) ((a) * (b) + (c))
#include ISA_IMPL
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#undef VM_F
#undef VM_I
#undef VM_U
#undef VM_FMA

#if defined(__x86_64__)
typedef float rc_f8 __attribute__((ext_vector_type(8)));
typedef int rc_i8 __attribute__((ext_vector_type(8)));
typedef unsigned rc_u8 __attribute__((ext_vector_type(8)));
typedef float rc_f16 __attribute__((ext_vector_type(16)));
typedef int rc_i16 __attribute__((ext_vector_type(16)));
typedef unsigned rc_u16 __attribute__((ext_vector_type(16)));

#define VM_SFX(name) name##_avx512
#define VM_ATTR __attribute__((target("avx512f,avx512vl,fma")))
#define VM_W 16
#define VM_F rc_f16
#define VM_I rc_i16
#define VM_U rc_u16
#define VM_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include ISA_IMPL
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#undef VM_F
#undef VM_I
#undef VM_U
#undef VM_FMA

#define VM_SFX(name) name##_avx2
#define VM_ATTR __attribute__((target("avx2,fma")))
#define VM_W 8
#define VM_F rc_f8
#define VM_I rc_i8
#define VM_U rc_u8
#define VM_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include ISA_IMPL
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#undef VM_F
#undef VM_I
#undef VM_U
#undef VM_FMA

#define ISA_DISPATCH(isa, name, args)                                  \
    do {                                                               \
        if (isa == RC_ISA_AVX512 && rc_isa_supported(RC_ISA_AVX512)) { \
            name##_avx512 args;                                        \
            return;                                                    \
        }                                                              \
        if (isa == RC_ISA_AVX2 && rc_isa_supported(RC_ISA_AVX2)) {     \
            name##_avx2 args;                                          \
            return;                                                    \
        }                                                              \
        name##_portable args;                                          \
    } while (0)

#elif defined(__aarch64__)
#define VM_SFX(name) name##_neon
#define VM_ATTR
#define VM_W 4
#define VM_F rc_f4
#define VM_I rc_i4
#define VM_U rc_u4
#define VM_FMA(a, b, c) __builtin_elementwise_fma(a, b, c)
#include ISA_IMPL
#undef VM_SFX
#undef VM_ATTR
#undef VM_W
#undef VM_F
#undef VM_I
#undef VM_U
#undef VM_FMA

#define ISA_DISPATCH(isa, name, args)  \
    do {                               \
        if (isa == RC_ISA_NEON) {      \
            name##_neon args;          \
            return;                    \
        }                              \
        name##_portable args;          \
    } while (0)

#else
#define ISA_DISPATCH(isa, name, args) \
    do {                              \
        (void)(isa);                  \
        name##_portable args;         \
    } while (0)
#endif
