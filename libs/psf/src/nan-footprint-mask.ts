import { footprintDilation } from './footprint-dilation.js';

/**
 * Mask of output pixels whose kernel footprint (the kernel's full kh x kw bounding box) touches a
 * non-finite input pixel (footprintDilation of the non-finite indicator, O(rows * width)).
 * Returns null when the block holds no non-finite value.
 */
export function nanFootprintMask(
  input: ArrayLike<number>,
  rows: number,
  width: number,
  outStart: number,
  outEnd: number,
  kh: number,
  kw: number,
  cy: number,
  cx: number,
): Uint8Array | null {
  const n = rows * width;
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(input[i])) {
      first = i;
      break;
    }
  }
  if (first < 0) return null;
  const bad = new Uint8Array(n);
  for (let i = first; i < n; i++) if (!Number.isFinite(input[i])) bad[i] = 1;
  return footprintDilation(bad, rows, width, outStart, outEnd, kh, kw, cy, cx);
}
