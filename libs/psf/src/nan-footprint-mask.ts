import { footprintDilation, type FootprintGeometry } from './footprint-dilation.js';

/**
 * Mask of output pixels whose kernel footprint (the kernel's full kh x kw bounding box) touches a
 * non-finite input pixel (footprintDilation of the non-finite indicator, O(rows * width)).
 * Returns null when the block holds no non-finite value.
 */
export function nanFootprintMask(input: ArrayLike<number>, g: FootprintGeometry): Uint8Array | null {
  const n = g.rows * g.width;
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
  return footprintDilation(bad, g);
}
