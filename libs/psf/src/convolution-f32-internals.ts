/**
 * float32 overlap-save engine on PFFFT/wasm-SIMD (see convolution-internals.ts for the geometry and the
 * measurements that chose it). Per ny x nx tile, all on the wasm heap:
 *  1. the tile's input rows are copied in (TypedArray.set: native copies, zeros outside the block);
 *  2. real forward FFT of each row that holds data, PFFFT "ordered" layout: slot 0 holds the real DC and
 *     Nyquist bins (re = X[0], im = X[nx/2]), slot u = 1..nx/2-1 holds X[u];
 *  3. blocked transpose (one complex float32 pair moved as one float64; finite data never forms a NaN
 *     pattern: that would need an Inf/NaN imaginary part) into nx/2 contiguous columns of ny values;
 *  4. columns 1..nx/2-1: complex FFT (PFFFT internal order), product with the kernel spectrum stored in
 *     that same order (pffft_zconvolve_accumulate), inverse FFT. Column 0 packs two real-row spectra
 *     (DC + i Nyquist) with two different kernel columns; it is split by conjugate symmetry in JS;
 *  5. transpose back the rows that hold valid output only, inverse real row FFTs on them, copy the
 *     valid columns out. The 1/(ny nx) normalisation is folded into the kernel spectrum.
 * The kernel spectrum is computed in float64 (fft.js) and rounded to float32 once.
 */
import { kernelSpectrum, type KernelGeometry } from './convolution-internals.js';
import {
  PFFFT_BACKWARD,
  PFFFT_COMPLEX,
  PFFFT_FORWARD,
  PFFFT_REAL,
  allocFloats,
  freeFloats,
  heapF32,
  heapF64,
  pffft,
  pffftSetup,
} from './pffft-internals.js';

/** Smallest tile PFFFT transforms: real rows need a multiple of 32, complex columns of 16. */
export const MIN_F32_TILE_COLS = 32;
export const MIN_F32_TILE_ROWS = 16;

export interface F32TilePlan {
  ny: number;
  nx: number;
  /** columns 1..nx/2-1 of the scaled kernel spectrum, each 2 ny floats in PFFFT internal order */
  cols: Float32Array;
  /** columns u = 0 and u = nx/2 (natural order, interleaved complex, scaled) */
  k0: Float64Array;
  kN: Float64Array;
}

export function kernelSpectrumF32(kernel: ArrayLike<number>, kh: number, kw: number, ny: number, nx: number): F32TilePlan {
  const { spectrumT } = kernelSpectrum(kernel, kh, kw, ny, nx);
  const s = 1 / (ny * nx);
  const h = nx / 2;
  const k0 = new Float64Array(2 * ny);
  const kN = new Float64Array(2 * ny);
  for (let k = 0; k < 2 * ny; k++) {
    k0[k] = spectrumT[k] * s;
    kN[k] = spectrumT[2 * h * ny + k] * s;
  }
  const cols = new Float32Array(h * 2 * ny);
  const setup = pffftSetup(ny, PFFFT_COMPLEX);
  const tmp = allocFloats(2 * ny);
  const reordered = allocFloats(2 * ny);
  try {
    for (let u = 1; u < h; u++) {
      const f = heapF32();
      for (let k = 0; k < 2 * ny; k++) f[tmp + k] = spectrumT[2 * u * ny + k] * s;
      pffft._pffft_zreorder(setup, tmp << 2, reordered << 2, PFFFT_BACKWARD);
      cols.set(heapF32().subarray(reordered, reordered + 2 * ny), 2 * u * ny);
    }
  } finally {
    freeFloats(tmp);
    freeFloats(reordered);
  }
  return { ny, nx, cols, k0, kN };
}

/** Wasm-heap work buffers for one tile size, shared by all convolvers (calls are synchronous). */
interface F32Work {
  ny: number;
  nx: number;
  /** float indices into heapF32(): row-major tile (ny rows of nx floats), its transpose, the kernel
   * columns, a product area (nx/2 columns, zeroed once per tile: pffft_zconvolve_accumulate adds into
   * it), two column buffers and PFFFT's scratch */
  rows: number;
  cols: number;
  kernel: number;
  prod: number;
  tmp: number;
  dst: number;
  scratch: number;
  /** the plan whose kernel columns are in `kernel` now */
  loaded: F32TilePlan | null;
}

const works = new Map<string, F32Work>();
/** work buffers of at most this many tile sizes, and this many floats, stay allocated on the wasm heap
 * (least recently used freed first; the heap itself never shrinks) */
const MAX_WORKS = 4;
const MAX_WORK_FLOATS = 2 ** 27;
const workFloats = (w: F32Work): number => 4 * w.ny * w.nx + 6 * Math.max(w.ny, w.nx);

function workFor(ny: number, nx: number): F32Work {
  const key = `${ny}x${nx}`;
  let w = works.get(key);
  if (w) {
    works.delete(key);
    works.set(key, w);
    return w;
  }
  const n = ny * nx;
  let held = 0;
  for (const x of works.values()) held += workFloats(x);
  while (works.size > 0 && (works.size >= MAX_WORKS || held + 4 * n > MAX_WORK_FLOATS)) {
    const [oldKey, old] = works.entries().next().value as [string, F32Work];
    for (const p of [old.rows, old.cols, old.kernel, old.prod, old.tmp, old.dst, old.scratch]) freeFloats(p);
    works.delete(oldKey);
    held -= workFloats(old);
  }
  w = {
    ny,
    nx,
    rows: allocFloats(n),
    cols: allocFloats(n),
    kernel: allocFloats(n),
    prod: allocFloats(n),
    tmp: allocFloats(2 * ny),
    dst: allocFloats(2 * ny),
    scratch: allocFloats(2 * Math.max(ny, nx)),
    loaded: null,
  };
  works.set(key, w);
  return w;
}

/** Blocked transpose of complex pairs (float64 view): src rows [r0, r1) of `cols` pairs -> dst (cols x rows). */
function transpose(f: Float64Array, src: number, dst: number, rows: number, cols: number, r0: number, r1: number, back: boolean): void {
  const B = 16;
  for (let a0 = r0; a0 < r1; a0 += B) {
    const a1 = Math.min(r1, a0 + B);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(cols, c0 + B);
      if (!back) {
        for (let r = a0; r < a1; r++) {
          const s = src + r * cols;
          for (let c = c0; c < c1; c++) f[dst + c * rows + r] = f[s + c];
        }
      } else {
        for (let r = a0; r < a1; r++) {
          const d = dst + r * cols;
          for (let c = c0; c < c1; c++) f[d + c] = f[src + c * rows + r];
        }
      }
    }
  }
}

/** Column 0: z = DC + i Nyquist of the row spectra; W = A K0 + i B KN with A, B split by symmetry. */
function convolveColumnZero(w: F32Work, plan: F32TilePlan, colSetup: number): void {
  const { ny, tmp, dst, scratch, cols } = w;
  pffft._pffft_transform_ordered(colSetup, cols << 2, tmp << 2, scratch << 2, PFFFT_FORWARD);
  const f = heapF32();
  const { k0, kN } = plan;
  for (let v = 0; v < ny; v++) {
    const m = v === 0 ? 0 : ny - v;
    const zr = f[tmp + 2 * v];
    const zi = f[tmp + 2 * v + 1];
    const mr = f[tmp + 2 * m];
    const mi = f[tmp + 2 * m + 1];
    const ar = 0.5 * (zr + mr);
    const ai = 0.5 * (zi - mi);
    const br = 0.5 * (zi + mi);
    const bi = -0.5 * (zr - mr);
    const k0r = k0[2 * v];
    const k0i = k0[2 * v + 1];
    const kNr = kN[2 * v];
    const kNi = kN[2 * v + 1];
    // A K0 + i (B KN)
    const pr = br * kNr - bi * kNi;
    const pi = br * kNi + bi * kNr;
    f[dst + 2 * v] = ar * k0r - ai * k0i - pi;
    f[dst + 2 * v + 1] = ar * k0i + ai * k0r + pr;
  }
  pffft._pffft_transform_ordered(colSetup, dst << 2, cols << 2, scratch << 2, PFFFT_BACKWARD);
}

/**
 * float32 counterpart of convolveBlock (same arguments and output): rows [outStart, outEnd) of the
 * convolution of a `rows` x `width` block, written to out[outOffset...].
 */
export function convolveBlockF32(
  input: ArrayLike<number>,
  rows: number,
  width: number,
  outStart: number,
  outEnd: number,
  g: KernelGeometry,
  plan: F32TilePlan,
  out: Float32Array | Float64Array,
  outOffset = 0,
): void {
  const { ny, nx } = plan;
  const w = workFor(ny, nx);
  const rowSetup = pffftSetup(nx, PFFFT_REAL);
  const colSetup = pffftSetup(ny, PFFFT_COMPLEX);
  if (w.loaded !== plan) {
    heapF32().set(plan.cols, w.kernel);
    w.loaded = plan;
  }
  const { rows: R, cols: C, kernel: KS, prod: P, tmp, scratch } = w;
  const half = nx / 2;
  const my = ny - g.kh + 1;
  const mx = nx - g.kw + 1;
  const typed = ArrayBuffer.isView(input) && !(input instanceof DataView);
  const src = input as Float32Array;
  const base = outOffset - outStart * width;
  const colFloats = 2 * ny;
  for (let oy = outStart; oy < outEnd; oy += my) {
    const y0 = oy + g.cy - (g.kh - 1);
    const pLo = Math.max(0, -y0);
    const pHi = Math.max(pLo, Math.min(ny, rows - y0));
    const yEnd = Math.min(oy + my, outEnd);
    const pOutHi = yEnd - oy + g.kh - 1;
    for (let ox = 0; ox < width; ox += mx) {
      const x0 = ox + g.cx - (g.kw - 1);
      const qLo = Math.max(0, -x0);
      const qHi = Math.min(nx, width - x0);
      const f = heapF32();
      // 1-2. input rows and their real FFTs; rows outside the block are zero
      if (pLo > 0) f.fill(0, R, R + pLo * nx);
      if (pHi < ny) f.fill(0, R + pHi * nx, R + ny * nx);
      for (let p = pLo; p < pHi; p++) {
        const d = R + p * nx;
        const s = (y0 + p) * width + x0;
        if (qLo > 0) f.fill(0, d, d + qLo);
        if (qHi < nx) f.fill(0, d + Math.max(qLo, qHi), d + nx);
        if (typed) f.set(src.subarray(s + qLo, s + qHi), d + qLo);
        else for (let q = qLo; q < qHi; q++) f[d + q] = input[s + q];
        pffft._pffft_transform_ordered(rowSetup, d << 2, d << 2, scratch << 2, PFFFT_FORWARD);
      }
      // 3. row spectra -> columns (complex pairs as float64: indices halve)
      transpose(heapF64(), R >> 1, C >> 1, ny, half, 0, ny, false);
      // 4. column FFTs, kernel product, inverse
      convolveColumnZero(w, plan, colSetup);
      heapF32().fill(0, P, P + half * colFloats);
      for (let u = 1; u < half; u++) {
        const c = C + u * colFloats;
        const d = P + u * colFloats;
        pffft._pffft_transform(colSetup, c << 2, tmp << 2, scratch << 2, PFFFT_FORWARD);
        pffft._pffft_zconvolve_accumulate(colSetup, tmp << 2, (KS + u * colFloats) << 2, d << 2, 1);
        pffft._pffft_transform(colSetup, d << 2, c << 2, scratch << 2, PFFFT_BACKWARD);
      }
      // 5. valid rows back, inverse row FFTs, valid columns out
      const pIn = g.kh - 1;
      transpose(heapF64(), C >> 1, R >> 1, ny, half, pIn, pOutHi, true);
      const xEnd = Math.min(ox + mx, width);
      const h = heapF32();
      for (let p = pIn; p < pOutHi; p++) {
        const d = R + p * nx;
        pffft._pffft_transform_ordered(rowSetup, d << 2, d << 2, scratch << 2, PFFFT_BACKWARD);
        const s = d + g.kw - 1;
        out.set(h.subarray(s, s + xEnd - ox), base + (oy + p - pIn) * width + ox);
      }
    }
  }
}
