// SPDX-License-Identifier: MIT
// One ISA's fused per-step passes of the Elman, LSTM and GRU cells: biases,
// gate activations and state update forward; the gate gradients backward.
// Included once per ISA by cells.c after vmath_impl.h, with the VM_* macros
// of vmath_impl.h defined. Letters: H hidden, G gates; every row b is one
// sequence; a row is active at step t when t < lengths[b].
//
// Vectors run along H; a tail shorter than VM_W goes through a zero-padded
// vector, so every element sees the same arithmetic.

VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(ld)(const float *p, long n) {
    VM_F v = (VM_F)0.0f;
    __builtin_memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}

VM_ATTR static inline __attribute__((always_inline)) void VM_SFX(st)(float *p, VM_F v, long n) {
    __builtin_memcpy(p, &v, (size_t)n * sizeof(float));
}

// Loads H-vectors of an optional bias: zero when absent.
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(ld_bias)(const float *p, long n) {
    return p ? VM_SFX(ld)(p, n) : (VM_F)0.0f;
}


// ---- Elman: h = φ(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) ----

VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(phi)(int activation, VM_F a) {
    switch (activation) {
    case RC_ACTIVATION_RELU: return a > (VM_F)0.0f ? a : (VM_F)0.0f;
    case RC_ACTIVATION_SIGMOID: return VM_SFX(vm_sigmoid)(a);
    default: return VM_SFX(vm_tanh)(a);
    }
}

// φ'(a) written through h = φ(a).
VM_ATTR static inline __attribute__((always_inline)) VM_F VM_SFX(dphi)(int activation, VM_F h) {
    switch (activation) {
    case RC_ACTIVATION_RELU: return h > (VM_F)0.0f ? (VM_F)1.0f : (VM_F)0.0f;
    case RC_ACTIVATION_SIGMOID: return h * ((VM_F)1.0f - h);
    default: return (VM_F)1.0f - h * h;
    }
}

VM_ATTR static void VM_SFX(rnn_forward)(int activation, const rc_cell_forward *s) {
    long H = s->hidden;
    for (long b = 0; b < s->rows; b++) {
        float *h = s->h + b * s->ldh, *hout = (s->h_out ? s->h_out : s->h) + b * s->ldh, *out = s->out + b * s->ldout;
        if (s->hprev) __builtin_memcpy(s->hprev + b * s->ldhprev, h, (size_t)H * sizeof(float));
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) out[j] = 0.0f;
            if (hout != h) __builtin_memcpy(hout, h, (size_t)H * sizeof(float));
            continue;
        }
        const float *gx = s->gx + b * s->ldgx, *gh = s->gh + b * s->ldgh;
        VM_FOR_CHUNKS(H,
            VM_F a = (VM_SFX(ld)(gx + j, n) + VM_SFX(ld_bias)(s->bias_ih ? s->bias_ih + j : 0, n))
                + (VM_SFX(ld)(gh + j, n) + VM_SFX(ld_bias)(s->bias_hh ? s->bias_hh + j : 0, n));
            VM_F hn = VM_SFX(phi)(activation, a);
            VM_SFX(st)(hout + j, hn, n);
            VM_SFX(st)(out + j, hn, n);
        )
    }
}

// Forward was h_t = φ(a); so da = (dh + dy)·φ'(a), and h_{t−1} gets da·W_hh
// (the caller's GEMM). A padded step held h, so its dh passes through.
VM_ATTR static void VM_SFX(rnn_backward)(int activation, const rc_cell_backward *s) {
    long H = s->hidden;
    for (long b = 0; b < s->rows; b++) {
        const float *dh = s->dh + b * s->lddh;
        float *dhp = s->dh_prev + b * s->lddhp, *dgx = s->dgx + b * s->lddgx;
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) { dhp[j] = dh[j]; dgx[j] = 0.0f; }
            continue;
        }
        const float *dy = s->dy + b * s->lddy, *h = s->out + b * s->ldout;
        VM_FOR_CHUNKS(H,
            VM_F dht = VM_SFX(ld)(dh + j, n) + VM_SFX(ld)(dy + j, n);
            VM_SFX(st)(dgx + j, dht * VM_SFX(dphi)(activation, VM_SFX(ld)(h + j, n)), n);
            VM_SFX(st)(dhp + j, (VM_F)0.0f, n);
        )
    }
}

// ---- LSTM, gates i, f, g, o ----
// i = σ(·), f = σ(·), g = tanh(·), o = σ(·), c' = f⊙c + i⊙g, h' = o⊙tanh(c')

VM_ATTR static void VM_SFX(lstm_forward)(const rc_cell_forward *s) {
    long H = s->hidden;
    long X = s->gate_stride ? s->gate_stride : H, Y = s->gh_gate_stride ? s->gh_gate_stride : H;
    long Z = s->gx_gate_stride ? s->gx_gate_stride : X;
    const float *bi = s->bias_hh, *bf = bi ? bi + X : 0, *bg = bi ? bi + 2 * X : 0, *bo = bi ? bi + 3 * X : 0;
    const float *xi = s->bias_ih, *xf = xi ? xi + X : 0, *xg = xi ? xi + 2 * X : 0, *xo = xi ? xi + 3 * X : 0;
    for (long b = 0; b < s->rows; b++) {
        float *h = s->h + b * s->ldh, *hout = (s->h_out ? s->h_out : s->h) + b * s->ldh, *c = s->c + b * s->ldc, *out = s->out + b * s->ldout;
        if (s->hprev) __builtin_memcpy(s->hprev + b * s->ldhprev, h, (size_t)H * sizeof(float));
        if (s->cprev) __builtin_memcpy(s->cprev + b * s->ldcprev, c, (size_t)H * sizeof(float));
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) out[j] = 0.0f;
            if (hout != h) __builtin_memcpy(hout, h, (size_t)H * sizeof(float));
            continue;
        }
        const float *gx = s->gx + b * s->ldgx, *gh = s->gh + b * s->ldgh;
        float *gates = s->gates ? s->gates + b * s->ldgates : 0, *tc = s->aux ? s->aux + b * s->ldaux : 0;
        VM_FOR_CHUNKS(H,
            VM_F i = VM_SFX(vm_sigmoid)((VM_SFX(ld)(gx + j, n) + VM_SFX(ld_bias)(xi ? xi + j : 0, n))
                + (VM_SFX(ld)(gh + j, n) + VM_SFX(ld_bias)(bi ? bi + j : 0, n)));
            VM_F f = VM_SFX(vm_sigmoid)((VM_SFX(ld)(gx + Z + j, n) + VM_SFX(ld_bias)(xf ? xf + j : 0, n))
                + (VM_SFX(ld)(gh + Y + j, n) + VM_SFX(ld_bias)(bf ? bf + j : 0, n)));
            VM_F g = VM_SFX(vm_tanh)((VM_SFX(ld)(gx + 2 * Z + j, n) + VM_SFX(ld_bias)(xg ? xg + j : 0, n))
                + (VM_SFX(ld)(gh + 2 * Y + j, n) + VM_SFX(ld_bias)(bg ? bg + j : 0, n)));
            VM_F o = VM_SFX(vm_sigmoid)((VM_SFX(ld)(gx + 3 * Z + j, n) + VM_SFX(ld_bias)(xo ? xo + j : 0, n))
                + (VM_SFX(ld)(gh + 3 * Y + j, n) + VM_SFX(ld_bias)(bo ? bo + j : 0, n)));
            VM_F cn = VM_FMA(f, VM_SFX(ld)(c + j, n), i * g);
            VM_F t = VM_SFX(vm_tanh)(cn);
            VM_F hn = o * t;
            VM_SFX(st)(c + j, cn, n);
            VM_SFX(st)(hout + j, hn, n);
            VM_SFX(st)(out + j, hn, n);
            if (gates) {
                VM_SFX(st)(gates + j, i, n);
                VM_SFX(st)(gates + X + j, f, n);
                VM_SFX(st)(gates + 2 * X + j, g, n);
                VM_SFX(st)(gates + 3 * X + j, o, n);
            }
            if (tc) VM_SFX(st)(tc + j, t, n);
        )
    }
}

// Forward was c' = f⊙c + i⊙g, h' = o⊙tanh(c'). So with dh' = dh + dy:
// do = dh'⊙tanh(c'), dc' = dc + dh'⊙o⊙(1 − tanh²c'), di = dc'⊙g, df = dc'⊙c,
// dg = dc'⊙i, dc = dc'⊙f; each through its activation's derivative.
VM_ATTR static void VM_SFX(lstm_backward)(const rc_cell_backward *s) {
    long H = s->hidden;
    for (long b = 0; b < s->rows; b++) {
        const float *dh = s->dh + b * s->lddh;
        float *dhp = s->dh_prev + b * s->lddhp;
        float *dc = s->dc + b * s->lddc, *dgx = s->dgx + b * s->lddgx;
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) dhp[j] = dh[j];
            for (long j = 0; j < 4 * H; j++) dgx[j] = 0.0f;
            continue;
        }
        const float *dy = s->dy + b * s->lddy, *gates = s->gates + b * s->ldgates;
        const float *cprev = s->cprev + b * s->ldcprev, *tc = s->aux + b * s->ldaux;
        VM_FOR_CHUNKS(H,
            VM_F i = VM_SFX(ld)(gates + j, n), f = VM_SFX(ld)(gates + H + j, n);
            VM_F g = VM_SFX(ld)(gates + 2 * H + j, n), o = VM_SFX(ld)(gates + 3 * H + j, n);
            VM_F t = VM_SFX(ld)(tc + j, n);
            VM_F dht = VM_SFX(ld)(dh + j, n) + VM_SFX(ld)(dy + j, n);
            VM_F dct = VM_FMA(dht * o, (VM_F)1.0f - t * t, VM_SFX(ld)(dc + j, n));
            VM_F one = (VM_F)1.0f;
            VM_SFX(st)(dgx + j, dct * g * i * (one - i), n);
            VM_SFX(st)(dgx + H + j, dct * VM_SFX(ld)(cprev + j, n) * f * (one - f), n);
            VM_SFX(st)(dgx + 2 * H + j, dct * i * (one - g * g), n);
            VM_SFX(st)(dgx + 3 * H + j, dht * t * o * (one - o), n);
            VM_SFX(st)(dc + j, dct * f, n);
            VM_SFX(st)(dhp + j, (VM_F)0.0f, n);
        )
    }
}

// ---- GRU, gates r, z, n ----
// r = σ(·), z = σ(·), n = tanh(x·W_inᵀ + b_in + r⊙(h·W_hnᵀ + b_hn)),
// h' = (1 − z)⊙n + z⊙h, computed as n + z⊙(h − n).

VM_ATTR static void VM_SFX(gru_forward)(const rc_cell_forward *s) {
    long H = s->hidden;
    long X = s->gate_stride ? s->gate_stride : H, Y = s->gh_gate_stride ? s->gh_gate_stride : H;
    long Z = s->gx_gate_stride ? s->gx_gate_stride : X;
    const float *br = s->bias_hh, *bz = br ? br + X : 0, *bn = br ? br + 2 * X : 0;
    const float *xr = s->bias_ih, *xz = xr ? xr + X : 0, *xn = xr ? xr + 2 * X : 0;
    for (long b = 0; b < s->rows; b++) {
        float *h = s->h + b * s->ldh, *hout = (s->h_out ? s->h_out : s->h) + b * s->ldh, *out = s->out + b * s->ldout;
        if (s->hprev) __builtin_memcpy(s->hprev + b * s->ldhprev, h, (size_t)H * sizeof(float));
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) out[j] = 0.0f;
            if (hout != h) __builtin_memcpy(hout, h, (size_t)H * sizeof(float));
            continue;
        }
        const float *gx = s->gx + b * s->ldgx, *gh = s->gh + b * s->ldgh;
        float *gates = s->gates ? s->gates + b * s->ldgates : 0, *ahn = s->aux ? s->aux + b * s->ldaux : 0;
        VM_FOR_CHUNKS(H,
            VM_F r = VM_SFX(vm_sigmoid)((VM_SFX(ld)(gx + j, n) + VM_SFX(ld_bias)(xr ? xr + j : 0, n))
                + (VM_SFX(ld)(gh + j, n) + VM_SFX(ld_bias)(br ? br + j : 0, n)));
            VM_F z = VM_SFX(vm_sigmoid)((VM_SFX(ld)(gx + Z + j, n) + VM_SFX(ld_bias)(xz ? xz + j : 0, n))
                + (VM_SFX(ld)(gh + Y + j, n) + VM_SFX(ld_bias)(bz ? bz + j : 0, n)));
            VM_F a = VM_SFX(ld)(gh + 2 * Y + j, n) + VM_SFX(ld_bias)(bn ? bn + j : 0, n);
            VM_F nn = VM_SFX(vm_tanh)(VM_FMA(r, a, VM_SFX(ld)(gx + 2 * Z + j, n) + VM_SFX(ld_bias)(xn ? xn + j : 0, n)));
            VM_F hn = VM_FMA(z, VM_SFX(ld)(h + j, n) - nn, nn);
            VM_SFX(st)(hout + j, hn, n);
            VM_SFX(st)(out + j, hn, n);
            if (gates) {
                VM_SFX(st)(gates + j, r, n);
                VM_SFX(st)(gates + X + j, z, n);
                VM_SFX(st)(gates + 2 * X + j, nn, n);
            }
            if (ahn) VM_SFX(st)(ahn + j, a, n);
        )
    }
}

// Forward was h' = (1 − z)⊙n + z⊙h with n = tanh(a_n), a_n = x_n + r⊙ah_n.
// So dn = dh'⊙(1 − z), dz = dh'⊙(h − n), da_n = dn⊙(1 − n²), dr = da_n⊙ah_n,
// d(ah_n) = da_n⊙r, and h gets dh'⊙z directly plus dGh·W_hh (the caller's GEMM).
VM_ATTR static void VM_SFX(gru_backward)(const rc_cell_backward *s) {
    long H = s->hidden;
    for (long b = 0; b < s->rows; b++) {
        const float *dh = s->dh + b * s->lddh;
        float *dhp = s->dh_prev + b * s->lddhp;
        float *dgx = s->dgx + b * s->lddgx, *dgh = s->dgh + b * s->lddgh;
        if (!cell_active(s->lengths, b, s->t)) {
            for (long j = 0; j < H; j++) dhp[j] = dh[j];
            for (long j = 0; j < 3 * H; j++) { dgx[j] = 0.0f; dgh[j] = 0.0f; }
            continue;
        }
        const float *dy = s->dy + b * s->lddy, *gates = s->gates + b * s->ldgates;
        const float *hp = s->hprev + b * s->ldhprev, *ahn = s->aux + b * s->ldaux;
        VM_FOR_CHUNKS(H,
            VM_F one = (VM_F)1.0f;
            VM_F r = VM_SFX(ld)(gates + j, n), z = VM_SFX(ld)(gates + H + j, n), nn = VM_SFX(ld)(gates + 2 * H + j, n);
            VM_F dht = VM_SFX(ld)(dh + j, n) + VM_SFX(ld)(dy + j, n);
            VM_F dan = dht * (one - z) * (one - nn * nn);
            VM_F drp = dan * VM_SFX(ld)(ahn + j, n) * r * (one - r);
            VM_F dzp = dht * (VM_SFX(ld)(hp + j, n) - nn) * z * (one - z);
            VM_SFX(st)(dgx + j, drp, n);
            VM_SFX(st)(dgx + H + j, dzp, n);
            VM_SFX(st)(dgx + 2 * H + j, dan, n);
            VM_SFX(st)(dgh + j, drp, n);
            VM_SFX(st)(dgh + H + j, dzp, n);
            VM_SFX(st)(dgh + 2 * H + j, dan * r, n);
            VM_SFX(st)(dhp + j, dht * z, n);
        )
    }
}
