/**
 * float32 SIMD FFTs for the convolution engine: PFFFT (J. Pommier's "pretty fast FFT", BSD, real and
 * complex transforms of sizes 2^a 3^b 5^c) compiled to WebAssembly with SIMD128 by the
 * @echogarden/pffft-wasm package (not exported from the package index).
 *
 * Why a library and which one: on this project's machine a 512-point complex FFT takes 0.64 us in
 * PFFFT/wasm-SIMD against 3.4 us in fft.js (float64, radix-4), and PFFFT is the FFT that other wasm
 * audio stacks ship; the npm registry has no maintained float64 wasm FFT (kissfft-wasm converts to
 * float32 and has been unmaintained since 2021), so float64 work stays on fft.js (fft-internals.ts).
 *
 * Loading: the package's Emscripten glue instantiates the module asynchronously, so this module awaits
 * it at the top level (ES2022 top-level await): importing @pixsed/psf finishes once the 38 KB wasm is
 * compiled (a few ms) and every convolution call stays synchronous.
 */
import PFFFT from '@echogarden/pffft-wasm/simd';

const M = await PFFFT();

/** PFFFT transform kinds and directions (pffft.h enums). */
export const PFFFT_REAL = 0;
export const PFFFT_COMPLEX = 1;
export const PFFFT_FORWARD = 0;
export const PFFFT_BACKWARD = 1;

export const pffft = M;

/** float32 / float64 views of the wasm heap, renewed when the heap grows (allocation can move it). */
export function heapF32(): Float32Array {
  return M.HEAPF32;
}

let f64: Float64Array | null = null;
export function heapF64(): Float64Array {
  const buf = M.HEAPF32.buffer;
  if (!f64 || f64.buffer !== buf) f64 = new Float64Array(buf);
  return f64;
}

/** Allocate `floats` 16-byte-aligned float32s on the wasm heap; returns a float index into heapF32(). */
export function allocFloats(floats: number): number {
  const p = M._pffft_aligned_malloc(4 * floats);
  if (!p) throw new Error(`pffft: cannot allocate ${floats} floats`);
  return p >> 2;
}

export function freeFloats(index: number): void {
  M._pffft_aligned_free(index << 2);
}

const setups = new Map<string, number>();

/** Cached PFFFT setup (real sizes: multiples of 32; complex: multiples of 16; factors 2, 3, 5 only). */
export function pffftSetup(n: number, transform: number): number {
  const key = `${n}:${transform}`;
  let s = setups.get(key);
  if (s === undefined) {
    s = M._pffft_new_setup(n, transform);
    if (!s) throw new Error(`pffft: unsupported ${transform === PFFFT_REAL ? 'real' : 'complex'} size ${n}`);
    setups.set(key, s);
  }
  return s;
}
