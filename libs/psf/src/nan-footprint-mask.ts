/**
 * Mask of output pixels whose kernel footprint (the kernel's full kh x kw bounding box) touches a
 * non-finite input pixel, from a 2-D prefix sum of the non-finite indicator (O(rows * width)).
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
  let any = false;
  for (let i = 0; i < rows * width; i++) {
    if (!Number.isFinite(input[i])) {
      any = true;
      break;
    }
  }
  if (!any) return null;
  // S[(y)*(width+1) + x] = count of non-finite pixels in rows < y, cols < x
  const W1 = width + 1;
  const S = new Int32Array((rows + 1) * W1);
  for (let y = 0; y < rows; y++) {
    let run = 0;
    for (let x = 0; x < width; x++) {
      if (!Number.isFinite(input[y * width + x])) run++;
      S[(y + 1) * W1 + x + 1] = S[y * W1 + x + 1] + run;
    }
  }
  const mask = new Uint8Array((outEnd - outStart) * width);
  for (let y = outStart; y < outEnd; y++) {
    // rows touched: y + cy - (kh - 1) .. y + cy (inclusive)
    const ya = Math.max(0, y + cy - (kh - 1));
    const yb = Math.min(rows, y + cy + 1);
    if (yb <= ya) continue;
    for (let x = 0; x < width; x++) {
      const xa = Math.max(0, x + cx - (kw - 1));
      const xb = Math.min(width, x + cx + 1);
      if (xb <= xa) continue;
      const n = S[yb * W1 + xb] - S[ya * W1 + xb] - S[yb * W1 + xa] + S[ya * W1 + xa];
      if (n > 0) mask[(y - outStart) * width + x] = 1;
    }
  }
  return mask;
}
