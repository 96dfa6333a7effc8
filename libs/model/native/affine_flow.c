/*
 * pixsed's native sampler for affine coupling flows (ADR 0015): the function of an `affine-folded-v1` model.onnx
 * (tools/train/pixsed_train/export.py, AffineSamplingGraph) in one fused kernel per pixel, run by the sampler worker
 * threads in place of onnxruntime. Weights come from the ONNX file itself (libs/model/src/node/affine-flow.ts reads
 * them and checks this kernel against onnxruntime at load). Written by hand because no library fuses a per-pixel
 * context with per-sample MLPs in L1 (onnxruntime runs op by op over [rows, 64] tensors in memory: ADR 0015's profile).
 *
 * Exports (N-API): create(header: Int32Array, weights: Float32Array, isa: string) -> handle;
 * run(handle, features: Float32Array, rows, noise: Float32Array, samplesPerRow) -> Float32Array; isa(handle) -> string.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <immintrin.h>
#include <node_api.h>

#define MAX_D 16
#define MAX_H 256
#define MAX_LAYERS 64
#define MAX_MID 8
#define MAX_EMB 8
#define MAX_EMB_WIDTH (MAX_H * 4 + 256) /* widest conditioning-network layer (and features + colours) */
#define HEADER_VERSION 1

typedef struct {
  int nIn, inDim[MAX_D]; /* dims whose first-layer weights are not all zero */
  int nTr, trDim[MAX_D]; /* dims whose (s, t) rows are not all zero: the transformed dims */
  float *inCT, *inCB;    /* context projection, transposed [C][H], bias [H] */
  float *wx;             /* first layer on the state [D][H] */
  float *mid[MAX_MID], *midB[MAX_MID];
  float *wOut, *bOut;    /* [2(D+1)][H], [2(D+1)]: s/3 rows 0..D, t rows D+1..2D+1 */
} Layer;

typedef struct {
  int D, F, nCol, colRef, nEmb, embDims[MAX_EMB + 1], C, L, H, nMid, isa;
  float *featMean, *featStd, *magMean, *magStd, *colMean, *colStd;
  float *embT[MAX_EMB], *embB[MAX_EMB]; /* transposed [in][out] */
  Layer layer[MAX_LAYERS];
  float parMean[MAX_D], parStd[MAX_D], lo[MAX_D], range[MAX_D];
  int logit[MAX_D];
  float *store; /* every weight array above points into it */
} Flow;

enum { ISA_AVX2 = 1, ISA_AVX512 = 2 };

#define glue2(a, b) a##b
#define glue(a, b) glue2(a, b)

/* ---- AVX2 + FMA: 8 floats per vector, 3 vectors per tile (24 samples), 4 output rows per block: 16 ymm registers */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VF __m256
#define VW 8
#define V 3
#define JB 4
#define SFX avx2
#define LD(p) _mm256_load_ps(p)
#define ST(p, v) _mm256_store_ps(p, v)
#define SET1(a) _mm256_set1_ps(a)
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define ADD _mm256_add_ps
#define SUB _mm256_sub_ps
#define MUL _mm256_mul_ps
#define DIV _mm256_div_ps
#define MAXV _mm256_max_ps
#define MINV _mm256_min_ps
#define RNDI(x) _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define EXP2I(k) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23))
#include "affine_flow_kernel.h"
#undef VF
#undef VW
#undef V
#undef JB
#undef SFX
#undef LD
#undef ST
#undef SET1
#undef FMA
#undef ADD
#undef SUB
#undef MUL
#undef DIV
#undef MAXV
#undef MINV
#undef RNDI
#undef EXP2I
#pragma GCC pop_options

/* ---- AVX-512: 16 floats per vector, 2 vectors per tile (32 samples), 8 output rows per block */
#pragma GCC push_options
#pragma GCC target("avx512f")
#define VF __m512
#define VW 16
#ifndef V512
#define V512 2
#endif
#define V V512
#define JB 8
#define SFX avx512
#define LD(p) _mm512_load_ps(p)
#define ST(p, v) _mm512_store_ps(p, v)
#define SET1(a) _mm512_set1_ps(a)
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define ADD _mm512_add_ps
#define SUB _mm512_sub_ps
#define MUL _mm512_mul_ps
#define DIV _mm512_div_ps
#define MAXV _mm512_max_ps
#define MINV _mm512_min_ps
#define RNDI(x) _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define EXP2I(k) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127)), 23))
#include "affine_flow_kernel.h"
#pragma GCC pop_options

/* ---- per pixel, scalar loops the compiler vectorises: standardised features (+ colours), the conditioning MLP
 * (SiLU between its Linear layers) and each layer's context row W_c c + b */
static void context(const Flow *f, const float *feat, float *ctx, int *isNan) {
  float a[MAX_EMB_WIDTH], b[MAX_EMB_WIDTH];
  int n = f->F;
  for (int i = 0; i < f->F; i++) a[i] = (feat[i] - f->featMean[i]) / f->featStd[i];
  if (f->nCol) {
    const float ref = a[f->colRef] * f->magStd[f->colRef] + f->magMean[f->colRef];
    for (int i = 0; i < f->nCol; i++) a[n + i] = ((a[i] * f->magStd[i] + f->magMean[i]) - ref - f->colMean[i]) / f->colStd[i];
    n += f->nCol;
  }
  float *in = a, *out = b;
  for (int k = 0; k < f->nEmb; k++) {
    const int no = f->embDims[k + 1];
    const float *W = f->embT[k];
    for (int j = 0; j < no; j++) out[j] = f->embB[k][j];
    for (int i = 0; i < n; i++) {
      const float v = in[i];
      const float *w = W + (size_t)i * no;
      for (int j = 0; j < no; j++) out[j] += w[j] * v;
    }
    if (k + 1 < f->nEmb) for (int j = 0; j < no; j++) out[j] = out[j] / (1.0f + expf(-out[j]));
    n = no;
    float *t = in; in = out; out = t;
  }
  int bad = 0;
  for (int i = 0; i < n; i++) bad |= isnan(in[i]);
  *isNan = bad;
  const int H = f->H;
  for (int l = 0; l < f->L; l++) {
    const Layer *p = f->layer + l;
    float *c = ctx + (size_t)l * H;
    for (int j = 0; j < H; j++) c[j] = p->inCB[j];
    for (int i = 0; i < f->C; i++) {
      const float v = in[i];
      const float *w = p->inCT + (size_t)i * H;
      for (int j = 0; j < H; j++) c[j] += w[j] * v;
    }
  }
}

/* ---- layout: header [version, D, F, nCol, colRef, nEmb, embDims[nEmb + 1], C, L, H, nMid]; weights in the order
 * read below (affine-flow.ts, packAffineFlow, writes them) */
static const char *build(Flow *f, const int32_t *h, size_t nh, const float *w, size_t nw) {
  size_t q = 0, at = 0;
#define NEXT(dst) do { if (q >= nh) return "header too short"; dst = h[q++]; } while (0)
  int version;
  NEXT(version);
  if (version != HEADER_VERSION) return "header version is not 1";
  NEXT(f->D); NEXT(f->F); NEXT(f->nCol); NEXT(f->colRef); NEXT(f->nEmb);
  if (f->nEmb < 1 || f->nEmb > MAX_EMB) return "embedding layer count out of range";
  for (int k = 0; k <= f->nEmb; k++) NEXT(f->embDims[k]);
  NEXT(f->C); NEXT(f->L); NEXT(f->H); NEXT(f->nMid);
  if (q != nh) return "header too long";
  if (f->D < 1 || f->D > MAX_D || f->H < 1 || f->H > MAX_H || f->L < 1 || f->L > MAX_LAYERS || f->nMid < 0 || f->nMid > MAX_MID) return "dimension out of range";
  if (f->nCol < 0 || f->nCol > f->F || (f->nCol && (f->colRef < 0 || f->colRef >= f->nCol))) return "colour layout out of range";
  if (f->embDims[0] != f->F + f->nCol || f->embDims[f->nEmb] != f->C) return "embedding dims do not chain features to the context";
  for (int k = 0; k <= f->nEmb; k++) if (f->embDims[k] < 1 || f->embDims[k] > MAX_EMB_WIDTH) return "embedding width out of range";
  const int D = f->D, H = f->H, C = f->C;
  size_t need = 2 * (size_t)f->F + 4 * (size_t)f->nCol + 5 * (size_t)D;
  for (int k = 0; k < f->nEmb; k++) need += (size_t)f->embDims[k] * f->embDims[k + 1] + f->embDims[k + 1];
  need += (size_t)f->L * ((size_t)H * C + H + (size_t)D * H + (size_t)f->nMid * (H * H + H) + (size_t)2 * (D + 1) * (H + 1));
  if (nw != need) return "weight count does not match the header";
  f->store = aligned_alloc(64, ((need * sizeof(float)) + 63) / 64 * 64);
  if (!f->store) return "out of memory";
  float *s = f->store;
#define TAKE(ptr, n) do { ptr = s; memcpy(s, w + at, (size_t)(n) * sizeof(float)); s += (n); at += (n); } while (0)
#define TAKE_T(ptr, rows, cols) do { ptr = s; for (int r_ = 0; r_ < (rows); r_++) for (int c_ = 0; c_ < (cols); c_++) s[(size_t)c_ * (rows) + r_] = w[at + (size_t)r_ * (cols) + c_]; s += (size_t)(rows) * (cols); at += (size_t)(rows) * (cols); } while (0)
  TAKE(f->featMean, f->F);
  TAKE(f->featStd, f->F);
  if (f->nCol) { TAKE(f->magMean, f->nCol); TAKE(f->magStd, f->nCol); TAKE(f->colMean, f->nCol); TAKE(f->colStd, f->nCol); }
  for (int k = 0; k < f->nEmb; k++) { TAKE_T(f->embT[k], f->embDims[k + 1], f->embDims[k]); TAKE(f->embB[k], f->embDims[k + 1]); }
  for (int l = 0; l < f->L; l++) {
    Layer *p = f->layer + l;
    TAKE_T(p->inCT, H, C);
    TAKE(p->inCB, H);
    TAKE(p->wx, (size_t)D * H);
    for (int k = 0; k < f->nMid; k++) { TAKE(p->mid[k], (size_t)H * H); TAKE(p->midB[k], H); }
    TAKE(p->wOut, (size_t)2 * (D + 1) * H);
    TAKE(p->bOut, 2 * (D + 1));
    p->nIn = p->nTr = 0;
    for (int d = 0; d < D; d++) {
      int any = 0;
      for (int j = 0; j < H; j++) any |= p->wx[d * H + j] != 0.0f;
      if (any) p->inDim[p->nIn++] = d;
      any = p->bOut[d] != 0.0f || p->bOut[D + 1 + d] != 0.0f;
      for (int j = 0; j < H; j++) any |= p->wOut[(size_t)d * H + j] != 0.0f || p->wOut[(size_t)(D + 1 + d) * H + j] != 0.0f;
      if (any) p->trDim[p->nTr++] = d;
    }
    /* the constant column (dim D) must have s = t = 0, as the exporter writes it: this kernel does not carry it */
    int any = p->bOut[D] != 0.0f || p->bOut[2 * D + 1] != 0.0f;
    for (int j = 0; j < H; j++) any |= p->wOut[(size_t)D * H + j] != 0.0f || p->wOut[(size_t)(2 * D + 1) * H + j] != 0.0f;
    if (any) return "a coupling layer transforms the constant column";
  }
  for (int d = 0; d < D; d++) f->parMean[d] = w[at++];
  for (int d = 0; d < D; d++) f->parStd[d] = w[at++];
  for (int d = 0; d < D; d++) f->logit[d] = w[at++] != 0.0f;
  for (int d = 0; d < D; d++) f->lo[d] = w[at++];
  for (int d = 0; d < D; d++) f->range[d] = w[at++];
  return at == nw ? NULL : "weights left over";
#undef NEXT
#undef TAKE
#undef TAKE_T
}

/* ---- N-API */
#define CALL(env, x) do { if ((x) != napi_ok) { napi_throw_error(env, NULL, "affine_flow: N-API call failed: " #x); return NULL; } } while (0)

static void finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  Flow *f = data;
  free(f->store);
  free(f);
}

static int typed(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, data, &ab, &off) != napi_ok) return 0;
  return t == want;
}

static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *h, *w;
  size_t nh, nw;
  if (argc < 3 || !typed(env, argv[0], napi_int32_array, &h, &nh) || !typed(env, argv[1], napi_float32_array, &w, &nw)) {
    napi_throw_type_error(env, NULL, "affine_flow.create(header: Int32Array, weights: Float32Array, isa: string)");
    return NULL;
  }
  char isa[16] = {0};
  size_t n;
  if (napi_get_value_string_utf8(env, argv[2], isa, sizeof isa, &n) != napi_ok) { napi_throw_type_error(env, NULL, "affine_flow.create: isa must be a string"); return NULL; }
  __builtin_cpu_init();
  const int has512 = __builtin_cpu_supports("avx512f"), has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int pick;
  if (!strcmp(isa, "avx512")) pick = has512 ? ISA_AVX512 : 0;
  else if (!strcmp(isa, "avx2")) pick = has2 ? ISA_AVX2 : 0;
  else if (!strcmp(isa, "auto")) pick = has512 ? ISA_AVX512 : has2 ? ISA_AVX2 : 0;
  else { napi_throw_range_error(env, NULL, "affine_flow.create: isa must be auto, avx2 or avx512"); return NULL; }
  if (!pick) { napi_throw_error(env, "ENOISA", "affine_flow: this CPU lacks the instruction set asked for (AVX2+FMA or AVX-512F)"); return NULL; }
  Flow *f = calloc(1, sizeof(Flow));
  if (!f) { napi_throw_error(env, NULL, "affine_flow: out of memory"); return NULL; }
  const char *err = build(f, h, nh, w, nw);
  if (err) {
    free(f->store);
    free(f);
    napi_throw_error(env, "ELAYOUT", err);
    return NULL;
  }
  f->isa = pick;
  napi_value ext;
  CALL(env, napi_create_external(env, f, finalize, NULL, &ext));
  return ext;
}

static Flow *flowOf(napi_env env, napi_value v) {
  napi_valuetype t;
  void *p = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) return NULL;
  return p;
}

static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Flow *f = argc == 5 ? flowOf(env, argv[0]) : NULL;
  void *feat, *noise;
  size_t nf, nn;
  int32_t rows, spr;
  if (!f || !typed(env, argv[1], napi_float32_array, &feat, &nf) || napi_get_value_int32(env, argv[2], &rows) != napi_ok ||
      !typed(env, argv[3], napi_float32_array, &noise, &nn) || napi_get_value_int32(env, argv[4], &spr) != napi_ok) {
    napi_throw_type_error(env, NULL, "affine_flow.run(handle, features: Float32Array, rows, noise: Float32Array, samplesPerRow)");
    return NULL;
  }
  if (rows < 0 || spr < 0 || nf != (size_t)rows * f->F || nn != (size_t)rows * spr * f->D) {
    napi_throw_range_error(env, "ESHAPE", "affine_flow.run: features must be rows x F and noise rows x samplesPerRow x D");
    return NULL;
  }
  void *outp;
  napi_value ab, out;
  const size_t n = (size_t)rows * spr * f->D;
  CALL(env, napi_create_arraybuffer(env, n * sizeof(float), &outp, &ab));
  float ctx[MAX_LAYERS * MAX_H];
  for (int r = 0; r < rows; r++) {
    int isNan;
    context(f, (const float *)feat + (size_t)r * f->F, ctx, &isNan);
    const float *nz = (const float *)noise + (size_t)r * spr * f->D;
    float *o = (float *)outp + (size_t)r * spr * f->D;
    if (f->isa == ISA_AVX512) pixel_avx512(f, ctx, isNan, nz, spr, o);
    else pixel_avx2(f, ctx, isNan, nz, spr, o);
  }
  CALL(env, napi_create_typedarray(env, napi_float32_array, n, ab, 0, &out));
  return out;
}

static napi_value isaName(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], s;
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  Flow *f = argc == 1 ? flowOf(env, argv[0]) : NULL;
  if (!f) { napi_throw_type_error(env, NULL, "affine_flow.isa(handle)"); return NULL; }
  CALL(env, napi_create_string_utf8(env, f->isa == ISA_AVX512 ? "avx512" : "avx2", NAPI_AUTO_LENGTH, &s));
  return s;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "create", NULL, create, NULL, NULL, NULL, napi_default, NULL },
    { "run", NULL, run, NULL, NULL, NULL, napi_default, NULL },
    { "isa", NULL, isaName, NULL, NULL, NULL, napi_default, NULL },
  };
  if (napi_define_properties(env, exports, 3, props) != napi_ok) return NULL;
  return exports;
}
