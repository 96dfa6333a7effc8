/** A `rows` × `width` block, the output rows [outStart, outEnd) wanted, and a kh × kw kernel whose origin is (cy, cx). */
export interface FootprintGeometry {
  rows: number;
  width: number;
  outStart: number;
  outEnd: number;
  kh: number;
  kw: number;
  cy: number;
  cx: number;
}

/**
 * Dilate an indicator of invalid input pixels by a kernel's kh × kw footprint: output pixel (y, x) is 1 when
 * any invalid input lies in rows y + cy − (kh − 1) … y + cy and columns x + cx − (kw − 1) … x + cx (the inputs
 * a "same"-mode convolution reads for it), for output rows [outStart, outEnd) of a `rows` × `width` block.
 * 2-D prefix sum of the indicator (summed-area table, Crow 1984): O(rows × width) whatever the kernel size.
 */
export function footprintDilation(invalid: ArrayLike<number>, g: FootprintGeometry): Uint8Array {
  const { rows, width, outStart, outEnd, kh, kw, cy, cx } = g;
  // S[y * (width + 1) + x] = count of invalid pixels in rows < y, cols < x
  const W1 = width + 1;
  const S = new Int32Array((rows + 1) * W1);
  for (let y = 0; y < rows; y++) {
    let run = 0;
    for (let x = 0; x < width; x++) {
      if (invalid[y * width + x]) run++;
      S[(y + 1) * W1 + x + 1] = S[y * W1 + x + 1] + run;
    }
  }
  const mask = new Uint8Array((outEnd - outStart) * width);
  for (let y = outStart; y < outEnd; y++) {
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
