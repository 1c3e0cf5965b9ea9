// SPDX-License-Identifier: MIT
// One ISA's vectorised exp, tanh and sigmoid. Included once per ISA by vmath.c
// with these defined:
//   VM_SFX(name)  appends the ISA's suffix   VM_ATTR  its target attribute
//   VM_F, VM_I, VM_U  float, int32 and uint32 vector types of VM_W lanes
//   VM_FMA(a, b, c)  a * b + c, fused where the ISA has it
//
// All three reduce to e^r on |r| <= ln2/2 (plus rounding slack):
//   x = n * ln2 + r,  e^x = 2^n * e^r,
//   e^r = 1 + r * (1 + r * P(r))  (exp: Horner, the last step one fused rounding)
//   e^r - 1 = r + r^2 * P(r)      (tanh: accurate relative to a small result)
// with n = round(x * log2 e) found by adding and subtracting 1.5 * 2^23, r by a
// two-part ln2 (ln2_hi has 9 significant bits, so n * ln2_hi is exact and
// x - n * ln2_hi is exact by Sterbenz), and 2^n built in the exponent field.
// P is a degree-4 minimax fit (weight |r|, float coefficients) to
// (e^r - 1 - r) / r^2; its error is below 0.15 ulp of e^r - 1.

#define VM_SPLAT(c) ((VM_F)(c))
#define VM_BITS(v) ((VM_U)(v))
#define VM_FLOATS(u) ((VM_F)(u))

// P(r) for |r| <= ~0.35.
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(vm_poly)(VM_F r) {
    VM_F p = VM_FMA(r, VM_SPLAT(VM_P4), VM_SPLAT(VM_P3));
    p = VM_FMA(p, r, VM_SPLAT(VM_P2));
    p = VM_FMA(p, r, VM_SPLAT(VM_P1));
    return VM_FMA(p, r, VM_SPLAT(VM_P0));
}

// Splits x (|x| <= 150 or NaN) into x = n * ln2 + r, n in two's complement.
VM_ATTR static inline __attribute__((always_inline)) void VM_SFX(vm_reduce)(VM_F x, VM_F *r, VM_U *ni) {
    VM_F t = VM_FMA(x, VM_SPLAT(VM_LOG2E), VM_SPLAT(VM_MAGIC));
    VM_F n = t - VM_SPLAT(VM_MAGIC);
    *ni = VM_BITS(t) - VM_BITS(VM_SPLAT(VM_MAGIC));
    VM_F rr = VM_FMA(n, VM_SPLAT(-VM_LN2_HI), x);
    *r = VM_FMA(n, VM_SPLAT(-VM_LN2_LO), rr);
}

// 2^n for -126 <= n <= 127 (n in two's complement).
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(vm_pow2)(VM_U n) {
    return VM_FLOATS((n + 127u) << 23);
}

// e^x over the whole float range. 2^n is applied in two multiplies by normal
// numbers, 2^(n - n/2) then 2^(n/2), so that a subnormal result is rounded
// once, in the last one, and e^r * 2^128 just below overflow stays finite.
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(vm_exp)(VM_F x) {
    x = x > VM_SPLAT(VM_EXP_HI) ? VM_SPLAT(VM_EXP_HI) : x;
    x = x < VM_SPLAT(VM_EXP_LO) ? VM_SPLAT(VM_EXP_LO) : x;
    VM_F r;
    VM_U n;
    VM_SFX(vm_reduce)(x, &r, &n);
    VM_F q = VM_FMA(VM_SFX(vm_poly)(r), r, VM_SPLAT(1.0f));
    VM_F e = VM_FMA(q, r, VM_SPLAT(1.0f));
    VM_U half = (VM_U)((VM_I)n >> 1);
    return e * VM_SFX(vm_pow2)(n - half) * VM_SFX(vm_pow2)(half);
}

// tanh(x) = sign(x) * u / (u + 2) with u = e^(2|x|) - 1 = 2^n * (e^r - 1) + (2^n - 1),
// one fused rounding; no cancellation for small |x| (n = 0 gives u = e^r - 1).
// From |x| = 9.1 on, tanh rounds to 1, which u / (u + 2) also gives there.
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(vm_tanh)(VM_F x) {
    VM_U sign = VM_BITS(x) & 0x80000000u;
    VM_F a = VM_FLOATS(VM_BITS(x) & 0x7fffffffu);
    a = a > VM_SPLAT(VM_TANH_HI) ? VM_SPLAT(VM_TANH_HI) : a;
    VM_F r;
    VM_U n;
    VM_SFX(vm_reduce)(a + a, &r, &n);
    VM_F scale = VM_SFX(vm_pow2)(n);
    VM_F u = VM_FMA(scale, VM_FMA(r * r, VM_SFX(vm_poly)(r), r), scale - VM_SPLAT(1.0f));
    VM_F t = u / (u + VM_SPLAT(2.0f));
    return VM_FLOATS(VM_BITS(t) | sign);
}

// 1 / (1 + e^-x) from e = e^-|x| <= 1: 1 / (1 + e) for x >= 0, e / (1 + e)
// below, so that the subnormal results for x in (-104, -87) are e itself.
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(vm_sigmoid)(VM_F x) {
    VM_F a = VM_FLOATS(VM_BITS(x) & 0x7fffffffu);
    VM_F e = VM_SFX(vm_exp)(-a);
    VM_F num = x >= VM_SPLAT(0.0f) ? VM_SPLAT(1.0f) : e;
    return num / (VM_SPLAT(1.0f) + e);
}

// Whole vectors straight from memory; the tail through a zero-padded vector,
// so every element gets the same arithmetic.
#define VM_ARRAY(fn)                                                                  \
    VM_ATTR static void VM_SFX(fn##_array)(const float *x, float *y, long n) {       \
        long i = 0;                                                                   \
        for (; i + VM_W <= n; i += VM_W) {                                            \
            VM_F v;                                                                   \
            __builtin_memcpy(&v, x + i, sizeof v);                                    \
            v = VM_SFX(fn)(v);                                                        \
            __builtin_memcpy(y + i, &v, sizeof v);                                    \
        }                                                                             \
        if (i < n) {                                                                  \
            size_t bytes = (size_t)(n - i) * sizeof(float);                           \
            VM_F v = VM_SPLAT(0.0f);                                                  \
            __builtin_memcpy(&v, x + i, bytes);                                       \
            v = VM_SFX(fn)(v);                                                        \
            __builtin_memcpy(y + i, &v, bytes);                                       \
        }                                                                             \
    }

VM_ARRAY(vm_exp)
VM_ARRAY(vm_tanh)
VM_ARRAY(vm_sigmoid)

#undef VM_ARRAY
#undef VM_SPLAT
#undef VM_BITS
#undef VM_FLOATS
