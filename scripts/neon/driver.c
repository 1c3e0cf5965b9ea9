// SPDX-License-Identifier: MIT
// Checks every NEON kernel of CRecurrentKernels against a scalar reference
// written here (double precision, libm), under qemu-aarch64 (scripts/check_neon.sh);
// the bf16 GEMM's checks are in bf16.c.
// Prints the largest error of each kernel and exits 1 on any mismatch.
//
// Tolerances (u = 2^-24):
//   GEMM: |c - ref| <= (K + 4)·u·(|alpha|·sum_p |a_ip||b_pj| + |beta|·|c0_ij|) + 1e-30,
//         the classical float dot-product bound (as in Tests/RecurrentTests/GEMMTests.swift).
//   exp, tanh, sigmoid: at most 8 ulps from the correctly rounded float of the
//         double result (the header promises "a few ulps"); specials exact.
//   cells: |x - ref| <= 1e-5·(|ref| + 1): a handful of roundings and the vector
//         math's ulps, on values of order 1.
#include "check.h"
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int failures = 0;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
float uniform(float lo, float hi) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return lo + (hi - lo) * (float)((rng >> 40) / 16777216.0);
}
float *randoms(long n, float lo, float hi) {
    float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (long i = 0; i < n; i++) p[i] = uniform(lo, hi);
    return p;
}
void report(const char *kernel, double worst, double limit, const char *unit) {
    int ok = worst <= limit;
    printf("%-44s max error %.3g %s (limit %.3g) %s\n", kernel, worst, unit, limit, ok ? "ok" : "MISMATCH");
    if (!ok) failures++;
}

// ---- GEMM ----
static double gemm_case(int ta, int tb, long M, long N, long K, float alpha, float beta) {
    long lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 2, ldc = N + 1;
    float *A = randoms((ta ? K : M) * lda, -1, 1), *B = randoms((tb ? N : K) * ldb, -1, 1);
    float *C = randoms(M * ldc, -1, 1), *C0 = malloc((size_t)(M * ldc) * sizeof(float));
    memcpy(C0, C, (size_t)(M * ldc) * sizeof(float));
    if (beta == 0) for (long i = 0; i < M; i++) C[i * ldc] = NAN;  // beta = 0 must not read C
    rc_sgemm(RC_ISA_NEON, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    double worst = 0;  // in units of the bound
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++) {
            double sum = 0, mag = 0;
            for (long p = 0; p < K; p++) {
                double a = ta ? A[p * lda + i] : A[i * lda + p], b = tb ? B[j * ldb + p] : B[p * ldb + j];
                sum += a * b;
                mag += fabs(a * b);
            }
            double c0 = beta == 0 ? 0 : C0[i * ldc + j];
            double ref = alpha * sum + beta * c0;
            double bound = (K + 4) * 0x1p-24 * (fabs(alpha) * mag + fabs(beta) * fabs(c0)) + 1e-30;
            double e = fabs(C[i * ldc + j] - ref) / bound;
            if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
        }
    free(A); free(B); free(C); free(C0);
    return worst;
}

static void check_gemm(void) {
    static const long sizes[] = {1, 3, 7, 17, 33, 65, 257};
    static const float ab[][2] = {{1, 0}, {0.5f, 1}, {-1.25f, 0.75f}};
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            double worst = 0;
            for (int m = 0; m < 7; m++)
                for (int n = 0; n < 7; n++)
                    for (int k = 0; k < 7; k++) {
                        if (sizes[m] * sizes[n] * sizes[k] > 300000) continue;  // keep qemu quick
                        const float *s = ab[(m + n + k) % 3];
                        double e = gemm_case(ta, tb, sizes[m], sizes[n], sizes[k], s[0], s[1]);
                        if (e > worst) worst = e;
                    }
            char name[64];
            snprintf(name, sizeof name, "rc_sgemm transA=%d transB=%d", ta, tb);
            report(name, worst, 1, "x bound");
        }
    // Prepacked B: the recurrent product's path.
    long M = 9, N = 37, K = 21;
    float *A = randoms(M * K, -1, 1), *B = randoms(K * N, -1, 1), *C = randoms(M * N, -1, 1);
    float *ref = malloc((size_t)(M * N) * sizeof(float)), *packed = malloc(rc_sgemm_packed_b_size(RC_ISA_NEON, K, N) * sizeof(float));
    memcpy(ref, C, (size_t)(M * N) * sizeof(float));
    rc_sgemm(RC_ISA_NEON, 0, 0, M, N, K, 0.5f, A, K, B, N, 1, ref, N);
    rc_sgemm_pack_b(RC_ISA_NEON, 0, K, N, B, N, packed);
    rc_sgemm_prepacked(RC_ISA_NEON, 0, M, N, K, 0.5f, A, K, packed, N, 0, 1, C, N);
    double worst = 0;
    for (long i = 0; i < M * N; i++) worst = fmax(worst, fabs(C[i] - ref[i]));
    report("rc_sgemm_prepacked (bits of rc_sgemm)", worst, 0, "abs");
    free(A); free(B); free(C); free(ref); free(packed);
    // The one-row packing of a batch-1 streaming step: N across whole groups
    // of four 12-column panels, leftover panels and a partial one, K across
    // a cache block, B either way round.
    double rowWorst = 0;
    long rowShapes[][2] = {{48 * 3 + 17, 300}, {48, 7}, {11, 1}, {96 + 24, 257}};
    for (int s = 0; s < 4; s++)
        for (int tb = 0; tb < 2; tb++) {
            long n = rowShapes[s][0], k = rowShapes[s][1];
            float *a = randoms(k, -1, 1), *b = randoms(k * n, -1, 1), *c = randoms(n, -1, 1);
            float *expect = malloc((size_t)n * sizeof(float));
            float *rows = malloc(rc_sgemm_packed_b_size(RC_ISA_NEON, k, n) * sizeof(float));
            memcpy(expect, c, (size_t)n * sizeof(float));
            long ldb = tb ? k : n;
            rc_sgemm(RC_ISA_NEON, 0, tb, 1, n, k, 0.75f, a, k, b, ldb, -0.5f, expect, n);
            rc_sgemm_pack_b_rows(RC_ISA_NEON, tb, k, n, b, ldb, rows);
            rc_sgemv_rows(RC_ISA_NEON, n, k, 0.75f, a, rows, -0.5f, c);
            for (long i = 0; i < n; i++) rowWorst = fmax(rowWorst, c[i] == expect[i] ? 0 : fabs(c[i] - expect[i]) + 1e-30);
            free(a); free(b); free(c); free(expect); free(rows);
        }
    report("rc_sgemv_rows (bits of rc_sgemm, one row)", rowWorst, 0, "abs");
}

// ---- vector math ----
static double ulps(float observed, double exact) {
    float rounded = (float)exact;
    if (isnan(exact)) return isnan(observed) ? 0 : INFINITY;
    if (observed == rounded) return 0;
    if (isinf(rounded) || isinf(observed)) return INFINITY;
    double spacing = fmax(fabs(nextafterf(rounded, INFINITY) - rounded), 0x1p-149);
    return fabs(observed - exact) / spacing;
}
static double ref_sigmoid(double x) { return 1 / (1 + exp(-x)); }

static void check_vmath(void) {
    long n = 0, cap = 200000;
    float *x = malloc((size_t)cap * sizeof(float)), *y = malloc((size_t)cap * sizeof(float));
    for (long i = 0; i < 160000; i++) x[n++] = -104 + 208 * (float)i / 160000;  // the whole finite range of exp
    for (long i = 0; i < 20000; i++) x[n++] = uniform(-1e-3f, 1e-3f);           // near zero
    float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 88.72f, 88.73f, -87.33f, -103.97f, -104.0f,
                        1e-30f, -1e-30f, 0x1p-149f, FLT_MAX, -FLT_MAX, 9.0f, -9.0f, 17.0f, -17.0f};
    for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) x[n++] = specials[i];
    struct { const char *name; void (*f)(int, const float *, float *, long); double (*ref)(double); } fs[] = {
        {"rc_vexp", rc_vexp, exp}, {"rc_vtanh", rc_vtanh, tanh}, {"rc_vsigmoid", rc_vsigmoid, ref_sigmoid}};
    for (int k = 0; k < 3; k++) {
        double worst = 0;
        for (long len = 1; len <= 9; len++) {  // tails of every length, then the whole sweep
            fs[k].f(RC_ISA_NEON, x + 100, y, len);
            for (long i = 0; i < len; i++) worst = fmax(worst, ulps(y[i], fs[k].ref(x[100 + i])));
        }
        fs[k].f(RC_ISA_NEON, x, y, n);
        for (long i = 0; i < n; i++) {
            double e = ulps(y[i], fs[k].ref(x[i]));
            if (e > worst) worst = e;
            if (e > 8 && failures < 20) printf("  %s(%a) = %a, expected %a\n", fs[k].name, x[i], y[i], fs[k].ref(x[i]));
        }
        char name[64];
        snprintf(name, sizeof name, "%s (%ld inputs, specials)", fs[k].name, n);
        report(name, worst, 8, "ulps");
    }
    free(x); free(y);
}

// ---- cells ----
static double sigm(double x) { return 1 / (1 + exp(-x)); }
static double cell_error(const float *got, const double *ref, long n) {
    double worst = 0;
    for (long i = 0; i < n; i++) {
        double e = fabs(got[i] - ref[i]) / (fabs(ref[i]) + 1);
        if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
    }
    return worst;
}

// gates G (1 RNN tanh, 4 LSTM, 3 GRU); rows 5, H 11 (two vectors and a tail);
// row 3 is past its length (t = 2, lengths[3] = 2).
static void check_cell(int G) {
    const long R = 5, H = 11, t = 2, lengths[] = {3, 5, 4, 2, 3};
    float *gx = randoms(R * G * H, -3, 3), *gh = randoms(R * G * H, -3, 3);
    float *bih = randoms(G * H, -1, 1), *bhh = randoms(G * H, -1, 1);
    float *h = randoms(R * H, -1, 1), *c = randoms(R * H, -2, 2), *h0 = malloc((size_t)(R * H) * sizeof(float));
    float *c0 = malloc((size_t)(R * H) * sizeof(float));
    memcpy(h0, h, (size_t)(R * H) * sizeof(float)); memcpy(c0, c, (size_t)(R * H) * sizeof(float));
    float *out = calloc((size_t)(R * H), sizeof(float)), *gates = calloc((size_t)(R * G * H), sizeof(float));
    float *hprev = calloc((size_t)(R * H), sizeof(float)), *cprev = calloc((size_t)(R * H), sizeof(float));
    float *aux = calloc((size_t)(R * H), sizeof(float));
    rc_cell_forward f = {.rows = R, .hidden = H, .t = t, .lengths = lengths, .gx = gx, .ldgx = G * H, .gh = gh,
                         .ldgh = G * H, .bias_ih = bih, .bias_hh = bhh, .h = h, .ldh = H, .c = c, .ldc = H,
                         .out = out, .ldout = H, .gates = gates, .ldgates = G * H, .hprev = hprev, .ldhprev = H,
                         .cprev = cprev, .ldcprev = H, .aux = aux, .ldaux = H};
    if (G == 1) rc_rnn_forward_step(RC_ISA_NEON, RC_ACTIVATION_TANH, &f);
    if (G == 4) rc_lstm_forward_step(RC_ISA_NEON, &f);
    if (G == 3) rc_gru_forward_step(RC_ISA_NEON, &f);

    // Reference forward, and the gates it needs for the reference backward.
    double *rh = malloc(sizeof(double) * R * H), *rc = malloc(sizeof(double) * R * H), *rout = malloc(sizeof(double) * R * H);
    double *rg = malloc(sizeof(double) * R * G * H), *raux = malloc(sizeof(double) * R * H);
    for (long b = 0; b < R; b++)
        for (long j = 0; j < H; j++) {
            long k = b * H + j;
            double pre[4], hx[4];
            for (int q = 0; q < G; q++) {
                pre[q] = (double)gx[b * G * H + q * H + j] + bih[q * H + j];
                hx[q] = (double)gh[b * G * H + q * H + j] + bhh[q * H + j];
            }
            rh[k] = h0[k]; rc[k] = c0[k]; rout[k] = 0; raux[k] = 0;
            for (int q = 0; q < G; q++) rg[b * G * H + q * H + j] = gates[b * G * H + q * H + j];
            if (t >= lengths[b]) continue;
            if (G == 1) rh[k] = rout[k] = tanh(pre[0] + hx[0]);
            if (G == 4) {
                double i = sigm(pre[0] + hx[0]), fg = sigm(pre[1] + hx[1]), g = tanh(pre[2] + hx[2]), o = sigm(pre[3] + hx[3]);
                rc[k] = fg * c0[k] + i * g;
                raux[k] = tanh(rc[k]);
                rh[k] = rout[k] = o * raux[k];
                double v[4] = {i, fg, g, o};
                for (int q = 0; q < 4; q++) rg[b * G * H + q * H + j] = v[q];
            }
            if (G == 3) {
                double r = sigm(pre[0] + hx[0]), z = sigm(pre[1] + hx[1]), nn = tanh(pre[2] + r * hx[2]);
                rh[k] = rout[k] = (1 - z) * nn + z * h0[k];
                raux[k] = hx[2];
                double v[3] = {r, z, nn};
                for (int q = 0; q < 3; q++) rg[b * G * H + q * H + j] = v[q];
            }
        }
    const char *cell = G == 1 ? "rnn(tanh)" : G == 4 ? "lstm" : "gru";
    double worst = fmax(cell_error(h, rh, R * H), cell_error(out, rout, R * H));
    if (G == 4) worst = fmax(worst, fmax(cell_error(c, rc, R * H), cell_error(aux, raux, R * H)));
    if (G == 3) worst = fmax(worst, cell_error(aux, raux, R * H));
    if (G > 1) worst = fmax(worst, cell_error(gates, rg, R * G * H));
    for (long k = 0; k < R * H; k++) if (hprev[k] != h0[k] || (G == 4 && cprev[k] != c0[k])) worst = INFINITY;
    char name[64];
    snprintf(name, sizeof name, "rc_%s_forward_step", cell);
    report(name, worst, 1e-5, "rel");

    // Backward from the forward's caches.
    float *dy = randoms(R * H, -1, 1), *dh = randoms(R * H, -1, 1), *dc = randoms(R * H, -1, 1);
    float *dc0 = malloc((size_t)(R * H) * sizeof(float));
    memcpy(dc0, dc, (size_t)(R * H) * sizeof(float));
    float *dhp = calloc((size_t)(R * H), sizeof(float)), *dgx = calloc((size_t)(R * G * H), sizeof(float));
    float *dgh = calloc((size_t)(R * G * H), sizeof(float));
    rc_cell_backward bw = {.rows = R, .hidden = H, .t = t, .lengths = lengths, .dy = dy, .lddy = H, .dh = dh, .lddh = H,
                           .dh_prev = dhp, .lddhp = H, .dc = dc, .lddc = H, .dgx = dgx, .lddgx = G * H, .dgh = dgh,
                           .lddgh = G * H, .out = out, .ldout = H, .gates = gates, .ldgates = G * H, .hprev = hprev,
                           .ldhprev = H, .cprev = cprev, .ldcprev = H, .aux = aux, .ldaux = H};
    if (G == 1) rc_rnn_backward_step(RC_ISA_NEON, RC_ACTIVATION_TANH, &bw);
    if (G == 4) rc_lstm_backward_step(RC_ISA_NEON, &bw);
    if (G == 3) rc_gru_backward_step(RC_ISA_NEON, &bw);
    double *rdhp = malloc(sizeof(double) * R * H), *rdc = malloc(sizeof(double) * R * H);
    double *rdgx = calloc((size_t)(R * G * H), sizeof(double)), *rdgh = calloc((size_t)(R * G * H), sizeof(double));
    for (long b = 0; b < R; b++)
        for (long j = 0; j < H; j++) {
            long k = b * H + j;
            double *gxr = rdgx + b * G * H, *ghr = rdgh + b * G * H;
            const double *g = rg + b * G * H;
            rdhp[k] = dh[k]; rdc[k] = dc0[k];
            if (t >= lengths[b]) continue;
            double d = (double)dh[k] + dy[k];
            rdhp[k] = 0;
            if (G == 1) gxr[j] = d * (1 - rout[k] * rout[k]);
            if (G == 4) {
                double i = g[j], fg = g[H + j], gg = g[2 * H + j], o = g[3 * H + j], th = raux[k];
                double dct = dc0[k] + d * o * (1 - th * th);
                gxr[j] = dct * gg * i * (1 - i);
                gxr[H + j] = dct * c0[k] * fg * (1 - fg);
                gxr[2 * H + j] = dct * i * (1 - gg * gg);
                gxr[3 * H + j] = d * th * o * (1 - o);
                rdc[k] = dct * fg;
            }
            if (G == 3) {
                double r = g[j], z = g[H + j], nn = g[2 * H + j];
                double dan = d * (1 - z) * (1 - nn * nn);
                gxr[j] = ghr[j] = dan * raux[k] * r * (1 - r);
                gxr[H + j] = ghr[H + j] = d * (h0[k] - nn) * z * (1 - z);
                gxr[2 * H + j] = dan;
                ghr[2 * H + j] = dan * r;
                rdhp[k] = d * z;
            }
        }
    worst = fmax(cell_error(dhp, rdhp, R * H), cell_error(dgx, rdgx, R * G * H));
    if (G == 4) worst = fmax(worst, cell_error(dc, rdc, R * H));
    if (G == 3) worst = fmax(worst, cell_error(dgh, rdgh, R * G * H));
    snprintf(name, sizeof name, "rc_%s_backward_step", cell);
    report(name, worst, 1e-5, "rel");
}

/* rc_column_sums: the same bits as a row-order float loop, for every width
   (whole groups of 4 vectors, single vectors, scalar tails) and a row stride
   wider than the columns summed. */
static void check_column_sums(void) {
    static const long shapes[][2] = {{1, 1}, {3, 5}, {100, 16}, {37, 67}, {513, 131}};
    long mismatches = 0;
    for (int c = 0; c < 5; c++) {
        long rows = shapes[c][0], columns = shapes[c][1], ld = columns + 3;
        float *x = randoms(rows * ld, -2, 2), *sums = malloc(columns * sizeof(float));
        rc_column_sums(RC_ISA_NEON, x, rows, columns, ld, sums);
        for (long j = 0; j < columns; j++) {
            float s = 0.0f;
            for (long r = 0; r < rows; r++) s += x[r * ld + j];
            if (memcmp(&s, &sums[j], sizeof s) != 0) mismatches++;
        }
        free(x);
        free(sums);
    }
    report("rc_column_sums (bits against a row-order loop)", (double)mismatches, 0, "columns differing");
}

int main(int argc, char **argv) {
    // --bf16-native=1 where the CPU should have FEAT_BF16 (qemu -cpu max), 0 where not.
    int expect_native = -1;
    if (argc == 2 && strncmp(argv[1], "--bf16-native=", 14) == 0 && (argv[1][14] == '0' || argv[1][14] == '1')
        && argv[1][15] == 0)
        expect_native = argv[1][14] - '0';
    if (expect_native < 0) {
        fprintf(stderr, "usage: %s --bf16-native=0|1\n", argv[0]);
        return 2;
    }
    if (!rc_isa_supported(RC_ISA_NEON)) {
        printf("NEON is not supported here: nothing checked\n");
        return 1;
    }
    printf("best ISA here: %d (3 = neon); GEMM tile %d x %d\n", rc_isa_best(), rc_gemm_mr(RC_ISA_NEON),
           rc_gemm_nr(RC_ISA_NEON));
    check_gemm();
    check_vmath();
    check_cell(1);
    check_cell(4);
    check_cell(3);
    check_column_sums();
    check_bf16(expect_native);
    printf(failures ? "%d kernel(s) MISMATCH\n" : "all NEON kernels match the scalar reference\n", failures);
    return failures ? 1 : 0;
}
