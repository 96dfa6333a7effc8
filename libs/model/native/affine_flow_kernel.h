/*
 * The sampling kernel of an affine coupling flow (ADR 0015), included once per instruction set by affine_flow.c with
 * these macros defined: VF (vector type), VW (floats per vector), V (vectors per tile), JB (output rows per block of
 * the hidden layers), SFX (name suffix), and the vector operations LD and ST (aligned float pointers), SET1, FMA, ADD, SUB, MUL, DIV, MAXV, MINV,
 * RNDI (round to the nearest integer, as float), EXP2I (2^k for k an integral float).
 *
 * A tile is T = VW·V samples of one pixel, dimension-major in vector lanes, every intermediate in L1. Per coupling
 * layer l (Dinh et al. 2017, arXiv 1605.08803, eq. 9, with the graph's folded weights, tools/train export.py):
 *   h1 = relu(Wx x + ctx_l),  h_{k+1} = relu(W_k h_k + b_k),  (s, t) = W_out h + b_out,  x_d <- x_d exp(3 tanh s_d) + t_d
 * for the dims d the layer transforms (rows of W_out not all zero; the others are exactly x_d exp(0) + 0 = x_d).
 */

static inline VF glue(exp_, SFX)(VF x) {
  /* Cephes expf: x = k ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial (relative error ~1e-7) */
  x = MINV(MAXV(x, SET1(-87.0f)), SET1(88.0f));
  VF k = RNDI(MUL(x, SET1(1.44269504088896341f)));
  VF r = SUB(x, MUL(k, SET1(0.693359375f)));
  r = SUB(r, MUL(k, SET1(-2.12194440e-4f)));
  VF y = SET1(1.9875691500e-4f);
  y = FMA(y, r, SET1(1.3981999507e-3f));
  y = FMA(y, r, SET1(8.3334519073e-3f));
  y = FMA(y, r, SET1(4.1665795894e-2f));
  y = FMA(y, r, SET1(1.6666665459e-1f));
  y = FMA(y, r, SET1(5.0000001201e-1f));
  y = FMA(y, MUL(r, r), ADD(r, SET1(1.0f)));
  return MUL(y, EXP2I(k));
}

/* exp(3 tanh(s)) with tanh(s) = 1 - 2 / (exp(2s) + 1) */
static inline VF glue(scale_, SFX)(VF s) {
  VF e = glue(exp_, SFX)(ADD(s, s));
  VF th = SUB(SET1(1.0f), DIV(SET1(2.0f), ADD(e, SET1(1.0f))));
  return glue(exp_, SFX)(MUL(SET1(3.0f), th));
}

/* one tile: x[D][V] vectors (standardised flow state) through every coupling layer; ctx[L][H] the pixel's context rows */
static void glue(tile_, SFX)(const Flow *f, const float *ctx, VF *x, VF *ha, VF *hb) {
  const int H = f->H;
  for (int l = 0; l < f->L; l++) {
    const Layer *p = f->layer + l;
    const float *cl = ctx + (size_t)l * H;
    for (int j = 0; j < H; j++) {
      VF a[V];
      for (int u = 0; u < V; u++) a[u] = SET1(cl[j]);
      for (int q = 0; q < p->nIn; q++) {
        const int d = p->inDim[q];
        VF w = SET1(p->wx[d * H + j]);
        for (int u = 0; u < V; u++) a[u] = FMA(w, x[d * V + u], a[u]);
      }
      for (int u = 0; u < V; u++) ha[j * V + u] = MAXV(a[u], SET1(0.0f));
    }
    VF *hin = ha, *hout = hb;
    for (int k = 0; k < f->nMid; k++) {
      const float *W = p->mid[k], *b = p->midB[k];
      int j = 0;
      for (; j + JB <= H; j += JB) {
        VF a[JB][V];
        for (int i = 0; i < JB; i++) for (int u = 0; u < V; u++) a[i][u] = SET1(b[j + i]);
        for (int c = 0; c < H; c++) {
          VF v[V];
          for (int u = 0; u < V; u++) v[u] = hin[c * V + u];
          for (int i = 0; i < JB; i++) {
            VF w = SET1(W[(size_t)(j + i) * H + c]);
            for (int u = 0; u < V; u++) a[i][u] = FMA(w, v[u], a[i][u]);
          }
        }
        for (int i = 0; i < JB; i++) for (int u = 0; u < V; u++) hout[(j + i) * V + u] = MAXV(a[i][u], SET1(0.0f));
      }
      for (; j < H; j++) {
        VF a[V];
        for (int u = 0; u < V; u++) a[u] = SET1(b[j]);
        for (int c = 0; c < H; c++) {
          VF w = SET1(W[(size_t)j * H + c]);
          for (int u = 0; u < V; u++) a[u] = FMA(w, hin[c * V + u], a[u]);
        }
        for (int u = 0; u < V; u++) hout[j * V + u] = MAXV(a[u], SET1(0.0f));
      }
      VF *t = hin; hin = hout; hout = t;
    }
    for (int q = 0; q < p->nTr; q++) {
      const int d = p->trDim[q];
      const float *ws = p->wOut + (size_t)d * H, *wt = p->wOut + (size_t)(f->D + 1 + d) * H;
      VF s[V], t[V];
      for (int u = 0; u < V; u++) { s[u] = SET1(p->bOut[d]); t[u] = SET1(p->bOut[f->D + 1 + d]); }
      for (int c = 0; c < H; c++) {
        VF a = SET1(ws[c]), b = SET1(wt[c]);
        for (int u = 0; u < V; u++) { VF h = hin[c * V + u]; s[u] = FMA(a, h, s[u]); t[u] = FMA(b, h, t[u]); }
      }
      for (int u = 0; u < V; u++) x[d * V + u] = FMA(x[d * V + u], glue(scale_, SFX)(s[u]), t[u]);
    }
  }
}

/* samples [spr][D] of one pixel from its noise [spr][D] and context rows; NaN context -> NaN samples (as the graph) */
static void glue(pixel_, SFX)(const Flow *f, const float *ctx, int ctxNan, const float *noise, int spr, float *out) {
  enum { T = VW * V };
  const int D = f->D;
  VF x[MAX_D * V] __attribute__((aligned(64)));
  VF ha[MAX_H * V] __attribute__((aligned(64))), hb[MAX_H * V] __attribute__((aligned(64)));
  float buf[MAX_D * T] __attribute__((aligned(64)));
  for (int s0 = 0; s0 < spr; s0 += T) {
    const int n = spr - s0 < T ? spr - s0 : T;
    for (int d = 0; d < D; d++) {
      float *col = buf + d * T;
      for (int i = 0; i < n; i++) col[i] = noise[(size_t)(s0 + i) * D + d];
      for (int i = n; i < T; i++) col[i] = 0.0f;
      for (int u = 0; u < V; u++) x[d * V + u] = LD(col + u * VW);
    }
    glue(tile_, SFX)(f, ctx, x, ha, hb);
    for (int d = 0; d < D; d++) {
      /* y = x par_std + par_mean; bounded parameters lo + (hi - lo) sigmoid(y) */
      const VF sd = SET1(f->parStd[d]), mu = SET1(f->parMean[d]);
      for (int u = 0; u < V; u++) {
        VF y = FMA(x[d * V + u], sd, mu);
        if (f->logit[d]) y = FMA(SET1(f->range[d]), DIV(SET1(1.0f), ADD(SET1(1.0f), glue(exp_, SFX)(SUB(SET1(0.0f), y)))), SET1(f->lo[d]));
        ST(buf + d * T + u * VW, y);
      }
      float *col = buf + d * T;
      for (int i = 0; i < n; i++) out[(size_t)(s0 + i) * D + d] = ctxNan ? NAN : col[i];
    }
  }
}
