/**
 * Shared FFT/DFT helpers for @pixsed/psf (not exported from the package index).
 * - power-of-two complex FFTs come from fft.js (indutny, radix-4), cached per size;
 * - arbitrary-size 2-D DFTs (PSF stamps are odd-sized) use a separable O(N^3) direct DFT,
 *   which is exact and fast enough for stamps of a few hundred pixels.
 */
import FFT from 'fft.js';

export interface FftPlan {
  size: number;
  fft: FFT;
  /** scratch output buffer of exactly 2*size (fft.js' inverse rescales the whole `out`). */
  out: Float64Array;
}

const plans = new Map<number, FftPlan>();

export function fftPlan(size: number): FftPlan {
  let p = plans.get(size);
  if (!p) {
    p = { size, fft: new FFT(size), out: new Float64Array(2 * size) };
    plans.set(size, p);
  }
  return p;
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 2 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * In-place forward/inverse complex FFT of `rows` consecutive interleaved rows of length `n`
 * in `buf` starting at row `rowStart`. Inverse transforms are scaled by 1/n (fft.js convention).
 */
export function fftRows(buf: Float64Array, n: number, rowStart: number, rowEnd: number, inverse: boolean): void {
  const plan = fftPlan(n);
  const out = plan.out;
  const f = plan.fft;
  const len = 2 * n;
  for (let r = rowStart; r < rowEnd; r++) {
    const row = buf.subarray(r * len, (r + 1) * len);
    if (inverse) f.inverseTransform(out, row);
    else f.transform(out, row);
    row.set(out);
  }
}

/** Transpose an interleaved complex matrix `src` (rows x cols) into `dst` (cols x rows). */
export function transposeComplex(src: Float64Array, dst: Float64Array, rows: number, cols: number): void {
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(rows, r0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      for (let r = r0; r < r1; r++) {
        let s = 2 * (r * cols + c0);
        for (let c = c0; c < c1; c++) {
          const d = 2 * (c * rows + r);
          dst[d] = src[s];
          dst[d + 1] = src[s + 1];
          s += 2;
        }
      }
    }
  }
}

/** Twiddle table e^{sign * 2 pi i k / n} for k = 0..n-1 (cos, sin interleaved). */
function twiddles(n: number, sign: number): Float64Array {
  const t = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    const a = (sign * 2 * Math.PI * k) / n;
    t[2 * k] = Math.cos(a);
    t[2 * k + 1] = Math.sin(a);
  }
  return t;
}

/** Direct 1-D DFT of `n` complex samples read with a stride (in complex elements). */
function dft1(
  re: Float64Array,
  im: Float64Array,
  off: number,
  stride: number,
  n: number,
  tw: Float64Array,
  tmpRe: Float64Array,
  tmpIm: Float64Array,
): void {
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    let idx = 0;
    for (let j = 0; j < n; j++) {
      const p = off + j * stride;
      const c = tw[2 * idx];
      const s = tw[2 * idx + 1];
      const xr = re[p];
      const xi = im[p];
      sr += xr * c - xi * s;
      si += xr * s + xi * c;
      idx += k;
      if (idx >= n) idx -= n;
    }
    tmpRe[k] = sr;
    tmpIm[k] = si;
  }
  for (let k = 0; k < n; k++) {
    re[off + k * stride] = tmpRe[k];
    im[off + k * stride] = tmpIm[k];
  }
}

/**
 * In-place 2-D DFT of any size (separable direct DFT, O(ny*nx*(nx+ny))).
 * Forward: X[v,u] = sum x[y,x] exp(-2 pi i (u x / nx + v y / ny)); inverse includes 1/(nx*ny).
 */
export function dft2(re: Float64Array, im: Float64Array, ny: number, nx: number, inverse: boolean): void {
  const sign = inverse ? 1 : -1;
  const twx = twiddles(nx, sign);
  const twy = twiddles(ny, sign);
  const m = Math.max(nx, ny);
  const tr = new Float64Array(m);
  const ti = new Float64Array(m);
  for (let y = 0; y < ny; y++) dft1(re, im, y * nx, 1, nx, twx, tr, ti);
  for (let x = 0; x < nx; x++) dft1(re, im, x, nx, ny, twy, tr, ti);
  if (inverse) {
    const s = 1 / (nx * ny);
    for (let i = 0; i < re.length; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}

/** Circular shift so that index floor(n/2) moves to index 0 (numpy ifftshift), both axes. */
export function ifftshift2(a: Float64Array, ny: number, nx: number): Float64Array {
  const out = new Float64Array(a.length);
  const hy = Math.floor(ny / 2);
  const hx = Math.floor(nx / 2);
  for (let y = 0; y < ny; y++) {
    const ys = (y - hy + ny) % ny;
    for (let x = 0; x < nx; x++) out[ys * nx + ((x - hx + nx) % nx)] = a[y * nx + x];
  }
  return out;
}

/** Circular shift so that index 0 moves to index floor(n/2) (numpy fftshift), both axes. */
export function fftshift2(a: Float64Array, ny: number, nx: number): Float64Array {
  const out = new Float64Array(a.length);
  const hy = Math.floor(ny / 2);
  const hx = Math.floor(nx / 2);
  for (let y = 0; y < ny; y++) {
    const ys = (y + hy) % ny;
    for (let x = 0; x < nx; x++) out[ys * nx + ((x + hx) % nx)] = a[y * nx + x];
  }
  return out;
}
