/**
 * Column-batched radix-2 FFTs on split (re, im) row-major matrices, for the overlap-save engine.
 *
 * A 1-D FFT along the first axis of an (n x cols) matrix is run for all columns at once: every
 * butterfly combines two whole rows, so the inner loop is a contiguous sweep over columns (cache- and
 * JIT-friendly; no per-column gathers). Columns are processed in blocks that fit in L2 cache.
 * - `fftColsDit`: decimation in time, input rows in bit-reversed order, output natural order;
 *   forward transform (e^{-2 pi i k/n}), no scaling.
 * - `ifftColsDif`: decimation in frequency, input natural order, output rows bit-reversed;
 *   inverse transform (e^{+2 pi i k/n}), no scaling (caller divides by the total size).
 * Bit-reversed orders are absorbed by the tile fill / transpose / extract steps (no permutation pass).
 */

export interface Radix2Plan {
  n: number;
  log2n: number;
  /** cos and sin of 2 pi k / n, k = 0..n/2-1 */
  cos: Float64Array;
  sin: Float64Array;
  /** bit reversal of 0..n-1 */
  rev: Uint32Array;
}

const cache = new Map<number, Radix2Plan>();

export function radix2Plan(n: number): Radix2Plan {
  let p = cache.get(n);
  if (p) return p;
  const log2n = Math.round(Math.log2(n));
  if (1 << log2n !== n) throw new RangeError(`FFT size ${n} is not a power of two`);
  const cos = new Float64Array(Math.max(1, n / 2));
  const sin = new Float64Array(Math.max(1, n / 2));
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const rev = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < log2n; b++) r |= ((i >> b) & 1) << (log2n - 1 - b);
    rev[i] = r;
  }
  p = { n, log2n, cos, sin, rev };
  cache.set(n, p);
  return p;
}

/** Column block width so that one block (n rows, re + im) stays around 256 KiB. */
function blockWidth(n: number, cols: number): number {
  const bw = Math.max(8, Math.floor((256 * 1024) / (16 * n)));
  return Math.min(cols, bw);
}

/**
 * Forward FFT along axis 0 of `re`/`im` (n rows x cols) for rows [0, n); input rows must be in
 * bit-reversed order. Only columns [c0, c1) are transformed.
 */
export function fftColsDit(re: Float64Array, im: Float64Array, plan: Radix2Plan, cols: number, c0 = 0, c1 = cols): void {
  const n = plan.n;
  const { cos, sin } = plan;
  const bw = blockWidth(n, c1 - c0);
  for (let b0 = c0; b0 < c1; b0 += bw) {
    const b1 = Math.min(c1, b0 + bw);
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = cos[k * step];
          const wi = -sin[k * step];
          const po = (start + k) * cols;
          const qo = (start + k + half) * cols;
          if (k === 0) {
            for (let x = b0; x < b1; x++) {
              const p = po + x;
              const q = qo + x;
              const ar = re[p];
              const ai = im[p];
              const br = re[q];
              const bi = im[q];
              re[p] = ar + br;
              im[p] = ai + bi;
              re[q] = ar - br;
              im[q] = ai - bi;
            }
          } else {
            for (let x = b0; x < b1; x++) {
              const p = po + x;
              const q = qo + x;
              const br = re[q];
              const bi = im[q];
              const tr = wr * br - wi * bi;
              const ti = wr * bi + wi * br;
              const ar = re[p];
              const ai = im[p];
              re[p] = ar + tr;
              im[p] = ai + ti;
              re[q] = ar - tr;
              im[q] = ai - ti;
            }
          }
        }
      }
    }
  }
}

/**
 * Inverse (unscaled) FFT along axis 0, natural-order input, bit-reversed output rows.
 */
export function ifftColsDif(re: Float64Array, im: Float64Array, plan: Radix2Plan, cols: number, c0 = 0, c1 = cols): void {
  const n = plan.n;
  const { cos, sin } = plan;
  const bw = blockWidth(n, c1 - c0);
  for (let b0 = c0; b0 < c1; b0 += bw) {
    const b1 = Math.min(c1, b0 + bw);
    for (let size = n; size >= 2; size >>= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = cos[k * step];
          const wi = sin[k * step];
          const po = (start + k) * cols;
          const qo = (start + k + half) * cols;
          if (k === 0) {
            for (let x = b0; x < b1; x++) {
              const p = po + x;
              const q = qo + x;
              const ar = re[p];
              const ai = im[p];
              const br = re[q];
              const bi = im[q];
              re[p] = ar + br;
              im[p] = ai + bi;
              re[q] = ar - br;
              im[q] = ai - bi;
            }
          } else {
            for (let x = b0; x < b1; x++) {
              const p = po + x;
              const q = qo + x;
              const ar = re[p];
              const ai = im[p];
              const br = re[q];
              const bi = im[q];
              const dr = ar - br;
              const di = ai - bi;
              re[p] = ar + br;
              im[p] = ai + bi;
              re[q] = dr * wr - di * wi;
              im[q] = dr * wi + di * wr;
            }
          }
        }
      }
    }
  }
}

/**
 * dst[map(c)][r] = src[r][c] for an (rows x cols) split matrix; `rowMap` (optional) permutes the
 * destination rows (bit reversal), `srcRowMap` (optional) reads source rows through a permutation.
 */
export function transposeSplit(
  srcRe: Float64Array,
  srcIm: Float64Array,
  dstRe: Float64Array,
  dstIm: Float64Array,
  rows: number,
  cols: number,
  dstRowMap?: Uint32Array,
  srcRowMap?: Uint32Array,
): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        const sr = (srcRowMap ? srcRowMap[r] : r) * cols;
        for (let c = c0; c < c1; c++) {
          const d = (dstRowMap ? dstRowMap[c] : c) * rows + r;
          dstRe[d] = srcRe[sr + c];
          dstIm[d] = srcIm[sr + c];
        }
      }
    }
  }
}
