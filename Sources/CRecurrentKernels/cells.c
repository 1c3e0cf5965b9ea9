// SPDX-License-Identifier: MIT
// The fused per-step cell passes (cells_impl.h), compiled once per ISA
// (isa_instances.h) on the vector exp / tanh / sigmoid of vmath_impl.h.
#include "CRecurrentKernels.h"
#include "vmath_constants.h"

static inline int cell_active(const long *lengths, long b, long t) { return !lengths || t < lengths[b]; }

// Runs the statements for j = 0, VM_W, 2·VM_W, … with `n` the chunk's length:
// the constant VM_W in the loop (so copies compile to vector moves), the
// remainder once after it.
#define VM_FOR_CHUNKS(H, ...)                \
    {                                        \
        long j = 0;                          \
        for (; j + VM_W <= (H); j += VM_W) { \
            const long n = VM_W;             \
            __VA_ARGS__                      \
        }                                    \
        if (j < (H)) {                       \
            const long n = (H) - j;          \
            __VA_ARGS__                      \
        }                                    \
    }

#define ISA_IMPL "cells_isa.h"
#include "isa_instances.h"

void rc_rnn_forward_step(int isa, int activation, const rc_cell_forward *step) {
    ISA_DISPATCH(isa, rnn_forward, (activation, step));
}

void rc_rnn_backward_step(int isa, int activation, const rc_cell_backward *step) {
    ISA_DISPATCH(isa, rnn_backward, (activation, step));
}

void rc_lstm_forward_step(int isa, const rc_cell_forward *step) { ISA_DISPATCH(isa, lstm_forward, (step)); }

void rc_lstm_backward_step(int isa, const rc_cell_backward *step) { ISA_DISPATCH(isa, lstm_backward, (step)); }

void rc_gru_forward_step(int isa, const rc_cell_forward *step) { ISA_DISPATCH(isa, gru_forward, (step)); }

void rc_gru_backward_step(int isa, const rc_cell_backward *step) { ISA_DISPATCH(isa, gru_backward, (step)); }
