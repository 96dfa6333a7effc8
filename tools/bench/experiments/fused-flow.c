// EXPERIMENT, not used by pixsed (issue #22, the decision on a native sampler kernel): the sampling cost of the affine
// coupling flow of jades-delayed-tau-affine / jades-mix-delayed-tau (10 layers, a 5 -> 64 -> 64 -> 2k coupling net per
// layer, the per-pixel context as the first layer's bias, 5 parameters, tanh-clamped scale), as one fused AVX2/FMA
// kernel with the samples of a pixel in vector lanes (8·V rows per tile, every intermediate in L1). RANDOM weights:
// it measures speed, not posteriors (the multiply-adds per sample, 45,760, equal the bench's count for the real graph).
// Build and run on one core:  gcc -O3 -mavx2 -mfma -DV=3 -o /tmp/fused-flow tools/bench/experiments/fused-flow.c -lm && /tmp/fused-flow 512
// and compare with the bench's 1-thread sgemm peak (`npm run bench inference` prints it) and onnxruntime's 1-thread
// sampler on the real graph. 2026-12-02 on the project's 2-core machine (AMD EPYC, AVX-512 present), a training on the
// other core, 512 px x 500 samples, best of 5, three runs: V=3 42.9-46.6 GMAC/s = 1,859-2,020 px/s on one core, i.e.
// 88-102 % of numpy's 1-thread sgemm 2048² measured in the same minutes (45.6-48.8 GMAC/s); V=2 28-39, V=1 24-26;
// with -march=native (AVX-512 code) V=3 only 32.6-35.3. onnxruntime on the real graph at 1 thread: 46.5 ms per 32 px
// = 688 px/s (18 GMAC/s; FusedGemm 55 % of it, the 64 -> 12 Gemm, the batched first MatMul, its ReLU, Split and the
// elementwise coupling ops the rest). Not validated against the real posterior: random weights, exp/tanh by the
// polynomials below (relative error ~1e-7), so a product kernel must still be checked against the ONNX graph.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>
#define L 10
#define H 64
#define D 5
#ifndef V
#define V 2
#endif
#define T (8 * V)  /* rows per tile: V ymm of 8 */
typedef struct { float wx[D][H]; float w2[H][H]; float b2[H]; int nt; int td[3]; float ws[3][H], wt[3][H], bs[3], bt[3]; } Layer;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static inline __m256 exp256(__m256 x) { // Cephes-style exp, |rel err| ~1e-7
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.f)), _mm256_set1_ps(88.f));
  __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x); x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500E-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507E-3f)); y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073E-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894E-2f)); y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459E-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201E-1f)); y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
static inline __m256 tanh256(__m256 x) { // tanh = 1 - 2/(exp(2x)+1)
  __m256 e = exp256(_mm256_add_ps(x, x));
  return _mm256_sub_ps(_mm256_set1_ps(1.f), _mm256_div_ps(_mm256_set1_ps(2.f), _mm256_add_ps(e, _mm256_set1_ps(1.f))));
}
// one pixel's context bias per layer c[L][H]; x: [D][T] rows in lanes (two ymm per dim)
static void tile(const Layer *ly, const float *c, float *x) {
  __attribute__((aligned(32))) float h1[H][T], h2[H][T];
  for (int l = 0; l < L; l++) {
    const Layer *p = ly + l; const float *cl = c + l * H;
    __m256 xv[D][V];
    for (int d = 0; d < D; d++) for (int u = 0; u < V; u++) xv[d][u] = _mm256_load_ps(x + d * T + 8 * u);
    for (int j = 0; j < H; j++) {
      __m256 a[V];
      for (int u = 0; u < V; u++) a[u] = _mm256_set1_ps(cl[j]);
      for (int d = 0; d < D; d++) { __m256 w = _mm256_broadcast_ss(&p->wx[d][j]); for (int u = 0; u < V; u++) a[u] = _mm256_fmadd_ps(w, xv[d][u], a[u]); }
      for (int u = 0; u < V; u++) _mm256_store_ps(h1[j] + 8 * u, _mm256_max_ps(a[u], _mm256_setzero_ps()));
    }
    for (int j = 0; j < H; j += 4) {
      __m256 a[4][V];
      for (int i = 0; i < 4; i++) for (int u = 0; u < V; u++) a[i][u] = _mm256_broadcast_ss(&p->b2[j + i]);
      for (int k = 0; k < H; k++) {
        __m256 v[V];
        for (int u = 0; u < V; u++) v[u] = _mm256_load_ps(h1[k] + 8 * u);
        for (int i = 0; i < 4; i++) { __m256 w = _mm256_broadcast_ss(&p->w2[j + i][k]); for (int u = 0; u < V; u++) a[i][u] = _mm256_fmadd_ps(w, v[u], a[i][u]); }
      }
      for (int i = 0; i < 4; i++) for (int u = 0; u < V; u++) _mm256_store_ps(h2[j + i] + 8 * u, _mm256_max_ps(a[i][u], _mm256_setzero_ps()));
    }
    for (int q = 0; q < p->nt; q++) {
      __m256 sv[V], tv[V];
      for (int u = 0; u < V; u++) { sv[u] = _mm256_set1_ps(p->bs[q]); tv[u] = _mm256_set1_ps(p->bt[q]); }
      for (int k = 0; k < H; k++) {
        __m256 ws = _mm256_broadcast_ss(&p->ws[q][k]), wt = _mm256_broadcast_ss(&p->wt[q][k]);
        for (int u = 0; u < V; u++) { __m256 v = _mm256_load_ps(h2[k] + 8 * u); sv[u] = _mm256_fmadd_ps(ws, v, sv[u]); tv[u] = _mm256_fmadd_ps(wt, v, tv[u]); }
      }
      int d = p->td[q]; __m256 clamp = _mm256_set1_ps(2.f);
      for (int u = 0; u < V; u++) _mm256_store_ps(x + d * T + 8 * u, _mm256_fmadd_ps(xv[d][u], exp256(_mm256_mul_ps(clamp, tanh256(sv[u]))), tv[u]));
    }
  }
}
int main(int argc, char **argv) {
  int S = 500, N = argc > 1 ? atoi(argv[1]) : 512;
  Layer *ly = aligned_alloc(32, sizeof(Layer) * L);
  srand(1);
  for (int l = 0; l < L; l++) {
    float *f = (float *)&ly[l];
    for (size_t i = 0; i < sizeof(Layer) / 4; i++) f[i] = ((float)rand() / RAND_MAX - 0.5f) * 0.2f;
    ly[l].nt = (l % 2) ? 2 : 3; for (int q = 0; q < 3; q++) ly[l].td[q] = (l % 2) ? (q < 2 ? 3 + q : 0) : q;
    for (int d = 0; d < D; d++) for (int j = 0; j < H; j++) { int transformed = 0; for (int q = 0; q < ly[l].nt; q++) transformed |= ly[l].td[q] == d; if (transformed) ly[l].wx[d][j] = 0; }
  }
  float *c = aligned_alloc(32, sizeof(float) * N * L * H), *x = aligned_alloc(32, sizeof(float) * D * T);
  for (int i = 0; i < N * L * H; i++) c[i] = ((float)rand() / RAND_MAX - 0.5f);
  double macs = 0; for (int l = 0; l < L; l++) macs += (D - ly[l].nt) * H + H * H + 2 * ly[l].nt * H;
  double best = 1e9, sum = 0;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    for (int n = 0; n < N; n++) for (int r = 0; r < S; r += T) { for (int i = 0; i < D * T; i++) x[i] = 0.1f * (i % 7); tile(ly, c + n * L * H, x); for (int i = 0; i < D * T; i++) sum += x[i]; }
    double t = now() - t0; if (t < best) best = t;
  }
  double rows = (double)N * ((S + T - 1) / T) * T;
  printf("useful MACs/sample %.0f; %d px x %d samples: best %.3f s -> %.0f px/s, %.1f GMAC/s (useful MACs), 1 thread (%g)\n", macs, N, S, best, N / best, rows * macs / best / 1e9, sum);
  return 0;
}
