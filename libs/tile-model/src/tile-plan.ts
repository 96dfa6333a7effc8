/**
 * Tile origins along one axis of length `length` for a model input of `size` px with `overlap` px of overlap:
 * a box no longer than the input gets one tile with the box centred (origin ≤ 0; the canvas outside the box is
 * zero), a longer one tiles 0, s, 2s, … with stride s = size − overlap and a last tile flush with the far edge.
 */
export function tileOrigins(length: number, size: number, overlap: number): number[] {
  if (!(size > overlap && overlap >= 0)) throw new RangeError(`tileOrigins: overlap ${overlap} must be in [0, ${size})`);
  if (length <= size) return [-Math.floor((size - length) / 2) || 0];
  const stride = size - overlap;
  const out: number[] = [];
  for (let o = 0; o + size < length; o += stride) out.push(o);
  out.push(length - size);
  return out;
}

/**
 * Blending weight along one axis of a tile of `size` px: a linear ramp over `overlap` px at both ends,
 * w(t) = min(1, (t + ½)/overlap, (size − t − ½)/overlap), always > 0 (so every pixel a tile covers gets a weight;
 * where tiles overlap, the maps are Σ w_k m_k / Σ w_k and the seams fade linearly). Constant 1 when `overlap` is 0
 * or the axis has one tile.
 */
export function rampWeights(size: number, overlap: number, single: boolean): Float32Array {
  const w = new Float32Array(size).fill(1);
  if (single || overlap <= 0) return w;
  for (let t = 0; t < size; t++) w[t] = Math.min(1, (t + 0.5) / overlap, (size - t - 0.5) / overlap);
  return w;
}
