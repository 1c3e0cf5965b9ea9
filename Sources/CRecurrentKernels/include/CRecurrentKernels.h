// SPDX-License-Identifier: MIT
// The hot loops of Recurrent: GEMM (packing, register-blocked micro-kernels,
// cache blocking) and vectorised exp / tanh / sigmoid over arrays.
//
// One implementation per instruction set, each compiled with a function
// `target` attribute so that the package needs no compiler flags. The caller
// chooses the set (see rc_isa_best); everything here is single-threaded and
// reentrant: threading lives in Swift.
#ifndef C_RECURRENT_KERNELS_H
#define C_RECURRENT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction sets with a kernel of their own.
typedef enum {
    RC_ISA_PORTABLE = 0, ///< plain C (vector extensions lowered to the baseline ISA)
    RC_ISA_AVX2 = 1,     ///< x86-64 AVX2 + FMA
    RC_ISA_AVX512 = 2,   ///< x86-64 AVX-512F (+VL) + FMA
    RC_ISA_NEON = 3,     ///< arm64 Advanced SIMD
} rc_isa;

/// A hint to the CPU that the caller is spinning on a shared variable.
static inline void rc_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// 1 when this CPU can run `isa`'s kernels, else 0.
int rc_isa_supported(int isa);

/// Asks the C library's allocator to keep memory the process frees for its
/// next allocations (glibc: the largest mmap threshold, 32 MiB, a 1 GiB trim
/// threshold and 64 MiB of top padding, so the heap grows in large steps and
/// keeps what it has) instead of returning it to the system at once, where every
/// reuse would fault in fresh zeroed pages. A process-wide choice, for a
/// program's `main`; the library never calls it. Returns 1 where it took
/// effect, 0 elsewhere (another C library).
int rc_keep_freed_memory(void);

/// The fastest set this CPU supports.
int rc_isa_best(void);

/// Register tile of `isa`'s GEMM micro-kernel (rows of C, columns of C).
int rc_gemm_mr(int isa);
int rc_gemm_nr(int isa);

/// Single-threaded row-major SGEMM:  C = alpha * op(A) * op(B) + beta * C.
///
/// op(A) is M x K: A is M x K (lda >= K) when transA == 0, K x M (lda >= M)
/// when transA != 0; likewise op(B) is K x N from B as K x N or N x K.
/// C is M x N with ldc >= N. When beta == 0, C is not read (NaN in C does not
/// propagate). Packing buffers are per thread (thread-local) and grow as needed.
/// Every element of C is summed over k in the same order whatever sub-block
/// of C a call computes, so splitting C between threads gives the same bits.
void rc_sgemm(int isa, int transA, int transB,
              long M, long N, long K,
              float alpha, const float *A, long lda,
              const float *B, long ldb,
              float beta, float *C, long ldc);

/// The cache blocks of rc_sgemm: k-block (KC) and n-block (NC) sizes.
long rc_gemm_kc(void);
long rc_gemm_nc(void);

/// Packs columns [j0, j1) of the kc x nc block of op(B) at (pc, jc) into
/// `packed`, laid out as rc_sgemm packs a block (NR-column panels, panel q at
/// q·NR·kc). j0 is a multiple of rc_gemm_nr(isa). Threads may pack disjoint
/// column ranges of one block at once.
void rc_sgemm_pack_b_block(int isa, int transB, long kc, long nc, const float *B, long ldb,
                           long pc, long jc, long j0, long j1, float *packed);

/// Rows [i0, i1) of C[:, jc ..< jc + nc] = alpha·op(A)[i0 ..< i1, pc ..< pc + kc]·packed
/// + beta·C, with `packed` a whole block from rc_sgemm_pack_b_block. The same
/// arithmetic as rc_sgemm, so splitting rows between threads changes no bit.
void rc_sgemm_block(int isa, int transA, long i0, long i1, long nc, long kc, float alpha,
                    const float *A, long lda, long pc, const float *packed, float beta,
                    float *C, long ldc, long jc);

/// Floats needed to hold op(B) (K x N) packed for `isa` (see rc_sgemm_pack_b).
size_t rc_sgemm_packed_b_size(int isa, long K, long N);

/// Packs op(B) once, for repeated products against the same matrix
/// (the recurrent weights over a sequence). `packed` holds
/// rc_sgemm_packed_b_size floats.
void rc_sgemm_pack_b(int isa, int transB, long K, long N,
                     const float *B, long ldb, float *packed);

/// C = alpha * op(A) * Bpacked[:, n0 ..< n0 + N] + beta * C, where Bpacked was
/// made by rc_sgemm_pack_b with the full width `packedN`, and n0 is a
/// multiple of rc_gemm_nr(isa). Same numbers as rc_sgemm.
void rc_sgemm_prepacked(int isa, int transA,
                        long M, long N, long K,
                        float alpha, const float *A, long lda,
                        const float *Bpacked, long packedN, long n0,
                        float beta, float *C, long ldc);

/// Packs op(B) (K x N) for one-row products (rc_sgemv_rows): per k-block of
/// rc_gemm_kc(), each group of four NR-column panels interleaved by k (row p
/// of a group holds its 4·NR columns, so a row's product reads one stream),
/// then the last panels as rc_sgemm_pack_b lays them. `packed` holds
/// rc_sgemm_packed_b_size floats.
void rc_sgemm_pack_b_rows(int isa, int transB, long K, long N,
                          const float *B, long ldb, float *packed);

/// c[1, N] = alpha * a[1, K] * op(B) + beta * c, with op(B) packed by
/// rc_sgemm_pack_b_rows: the same bits as rc_sgemm_prepacked of one row.
void rc_sgemv_rows(int isa, long N, long K, float alpha, const float *a,
                   const float *packed, float beta, float *c);

// ---- bf16 products with fp32 accumulation (gemm_bf16.c) ----
//
// Operands are fp32 in memory, rounded to bf16 (nearest, ties to even, NaN
// kept) as they are packed; products are exact, sums fp32. The avx512 set on
// a CPU with AVX512_BF16 runs vdpbf16ps, the neon set on a CPU with Arm
// FEAT_BF16 runs BFMMLA ("native"); every other set, and avx512 or neon
// without the feature, rounds the operands and runs its own fp32 kernel. They
// differ only in the order of the fp32 sums, in flushing subnormals to zero
// (vdpbf16ps, BFMMLA) and in BFMMLA's additions rounding to odd (faithful,
// within 2^-23 relative, where the fp32 kernels round to nearest even).

/// 1 when this CPU and OS run native bf16 products: AVX512_BF16 on x86-64
/// (CPUID leaf 7 sub-leaf 1, EAX bit 5; XGETBV shows the AVX-512 state
/// saved), FEAT_BF16 on aarch64 (Linux: HWCAP2_BF16 of getauxval(AT_HWCAP2);
/// Apple: sysctl hw.optional.arm.FEAT_BF16); else 0.
int rc_bf16_native_supported(void);

/// 1 when the bf16 products of `isa` run natively (vdpbf16ps for avx512,
/// BFMMLA for neon), 0 for the fallback.
int rc_bf16_native(int isa);

/// The register-only native bf16 loop: 16 independent accumulators,
/// `iterations` steps on each, 32 multiply-adds (64 FLOPs) per step (one
/// vdpbf16ps; two BFMMLA on Arm); the bf16 peak beside rc_fma_peak_loop's.
/// Returns their sum; without native bf16, returns `seed` at once.
float rc_bf16_peak_loop(long iterations, float seed);

/// y[i] = x[i] rounded to the nearest bf16 (ties to even, NaN stays NaN), as fp32.
void rc_bf16_round(const float *x, float *y, long n);

/// y[i] = the bf16 bits of x[i] rounded as rc_bf16_round.
void rc_bf16_from_float(const float *x, uint16_t *y, long n);

/// C = alpha·bf16(op(A))·bf16(op(B)) + beta·C, fp32 sums; arguments as rc_sgemm.
void rc_bgemm(int isa, int transA, int transB, long M, long N, long K,
              float alpha, const float *A, long lda, const float *B, long ldb,
              float beta, float *C, long ldc);

/// Column panel width of `isa`'s packed bf16 B: column offsets and the
/// column ranges that threads pack are multiples of it.
int rc_bgemm_nr(int isa);

/// Floats (4-byte units) that hold op(B) (K x N) packed for rc_bgemm_prepacked.
size_t rc_bgemm_packed_b_size(int isa, long K, long N);

/// Packs op(B) (K x N), rounded to bf16, for rc_bgemm_prepacked.
void rc_bgemm_pack_b(int isa, int transB, long K, long N, const float *B, long ldb, float *packed);

/// Packs columns [j0, j1) of op(B) only (j0 a multiple of rc_bgemm_nr):
/// threads may pack disjoint ranges of one buffer at once.
void rc_bgemm_pack_b_columns(int isa, int transB, long K, long N, const float *B, long ldb,
                             long j0, long j1, float *packed);

/// C = alpha·bf16(op(A))·Bpacked[:, n0 ..< n0 + N] + beta·C, Bpacked from
/// rc_bgemm_pack_b of width packedN, n0 a multiple of rc_bgemm_nr(isa).
void rc_bgemm_prepacked(int isa, int transA, long M, long N, long K,
                        float alpha, const float *A, long lda,
                        const float *Bpacked, long packedN, long n0,
                        float beta, float *C, long ldc);

/// The register-only multiply-add loop that measures a core's peak: 12
/// independent vector accumulators, `iterations` multiply-adds on each, of
/// rc_fma_peak_lanes(isa) lanes (2 FLOPs per lane). Returns their sum, so
/// the loop cannot be dropped. No memory traffic.
float rc_fma_peak_loop(int isa, long iterations, float seed);

/// The lanes of one vector of rc_fma_peak_loop for `isa`.
int rc_fma_peak_lanes(int isa);

/// y[i] = exp(x[i]); y may equal x. Accurate to a few ulps over the whole
/// float range; exp(+inf) = +inf, exp(-inf) = 0, NaN gives NaN.
void rc_vexp(int isa, const float *x, float *y, long n);

/// y[i] = tanh(x[i]); y may equal x. Few ulps; tanh(±inf) = ±1, NaN gives NaN.
void rc_vtanh(int isa, const float *x, float *y, long n);

/// y[i] = 1 / (1 + exp(-x[i])); y may equal x. Few ulps (also where the
/// result is subnormal); sigmoid(+inf) = 1, sigmoid(-inf) = 0, NaN gives NaN.
void rc_vsigmoid(int isa, const float *x, float *y, long n);

/// sums[j] = Σ_r x[r·ld + j] for j < columns, each column summed in row
/// order from +0 (the same bits on every ISA and as a scalar loop); the
/// bias gradients of a layer's backward pass.
void rc_column_sums(int isa, const float *x, long rows, long columns, long ld, float *sums);

/// The Elman cell's nonlinearity φ.
typedef enum {
    RC_ACTIVATION_TANH = 0,
    RC_ACTIVATION_RELU = 1,
    RC_ACTIVATION_SIGMOID = 2,
} rc_activation;

/// One time step of a cell, forward, over `rows` sequences (H = hidden,
/// G = 1, 4, 3 gates for Elman, LSTM, GRU). Row b is active when
/// lengths == NULL or t < lengths[b]; an inactive row keeps its state and
/// writes zeros to `out`. Every pointer addresses row 0; `ld…` are row
/// strides in floats. Cache pointers may be NULL (inference).
typedef struct {
    long rows, hidden, t;
    const long *lengths;           ///< [rows] or NULL
    const float *gx; long ldgx;    ///< [rows, G·H] x_t·W_ihᵀ (b_ih added here, from bias_ih)
    const float *gh; long ldgh;    ///< [rows, G·H] h_{t−1}·W_hhᵀ (no bias)
    const float *bias_ih;          ///< [G·H] or NULL
    const float *bias_hh;          ///< [G·H] or NULL
    float *h; long ldh;            ///< [rows, H] state h, updated in place
    float *c; long ldc;            ///< [rows, H] LSTM cell state, updated in place
    float *out; long ldout;        ///< [rows, H] output at step t
    float *gates; long ldgates;    ///< cache [rows, G·H]: activated gates (LSTM i f g o; GRU r z n)
    float *hprev; long ldhprev;    ///< cache [rows, H]: h before the step
    float *cprev; long ldcprev;    ///< cache [rows, H]: LSTM c before the step
    float *aux; long ldaux;        ///< cache [rows, H]: LSTM tanh(c_t); GRU h·W_hnᵀ + b_hn
    /// Distance between gate blocks in the biases and gates (0: H), in gh
    /// (0: H) and in gx (0: gate_stride). A part of the hidden units then
    /// runs on its own: H is the part's width and every pointer starts at
    /// the part's first unit.
    long gate_stride, gh_gate_stride, gx_gate_stride;
    /// Where the new h goes (NULL: in place, into h). With a separate buffer,
    /// rows past their length copy h there unchanged.
    float *h_out;
} rc_cell_forward;

/// One time step of a cell, backward (the forward step's caches as inputs).
/// On return dgx holds ∂L/∂(x_t·W_ihᵀ + b_ih) and dgh ∂L/∂(h·W_hhᵀ + b_hh)
/// (the same numbers for Elman and LSTM, which write dgx only), dh_prev the
/// part of ∂L/∂h_{t−1} that does not flow through W_hh (the caller adds
/// dgh·W_hh), and dc (LSTM) ∂L/∂c_{t−1}. Inactive rows pass dh and dc through.
typedef struct {
    long rows, hidden, t;
    const long *lengths;
    const float *dy; long lddy;        ///< [rows, H] ∂L/∂output_t
    const float *dh; long lddh;        ///< [rows, H] ∂L/∂h_t from later steps
    float *dh_prev; long lddhp;        ///< [rows, H] out
    float *dc; long lddc;              ///< [rows, H] LSTM: in ∂L/∂c_t, out ∂L/∂c_{t−1}
    float *dgx; long lddgx;            ///< [rows, G·H] out
    float *dgh; long lddgh;            ///< [rows, G·H] out (GRU)
    const float *out; long ldout;      ///< Elman: h_t (the forward output)
    const float *gates; long ldgates;  ///< forward caches, as in rc_cell_forward
    const float *hprev; long ldhprev;
    const float *cprev; long ldcprev;
    const float *aux; long ldaux;
} rc_cell_backward;

void rc_rnn_forward_step(int isa, int activation, const rc_cell_forward *step);
void rc_rnn_backward_step(int isa, int activation, const rc_cell_backward *step);
void rc_lstm_forward_step(int isa, const rc_cell_forward *step);
void rc_lstm_backward_step(int isa, const rc_cell_backward *step);
void rc_gru_forward_step(int isa, const rc_cell_forward *step);
void rc_gru_backward_step(int isa, const rc_cell_backward *step);

#ifdef __cplusplus
}
#endif

#endif
