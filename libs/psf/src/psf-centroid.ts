import type { ImageLike } from './types.js';

export interface CentroidOptions {
  /** sigma (pixels) of the Gaussian window around the current estimate; default 2 */
  windowSigmaPx?: number;
  /** maximum number of re-centring iterations; default 100 (stops when it moves < 1e-7 px) */
  iterations?: number;
}

/**
 * Gaussian-windowed first-moment centroid, iterated to its fixed point x = sum(w I x) / sum(w I) with
 * w = exp(-|x - x_c|^2 / 2 s^2) re-centred on the previous estimate (cf. SExtractor XWIN_IMAGE,
 * Bertin 2010), starting from the brightest pixel. A smooth window avoids the pixel-inclusion bias of a
 * hard aperture; for a symmetric PSF the fixed point is its centre. Non-finite pixels are ignored.
 */
export function psfCentroid(img: ImageLike, opts: CentroidOptions = {}): { x: number; y: number } {
  const { width: w, height: h, data } = img;
  const s = opts.windowSigmaPx ?? 2;
  let best = -Infinity;
  let cx = (w - 1) / 2;
  let cy = (h - 1) / 2;
  for (let i = 0; i < w * h; i++) {
    const v = data[i];
    if (Number.isFinite(v) && v > best) {
      best = v;
      cx = i % w;
      cy = Math.floor(i / w);
    }
  }
  const r = 5 * s;
  const iters = opts.iterations ?? 100;
  for (let it = 0; it < iters; it++) {
    let sw = 0;
    let sx = 0;
    let sy = 0;
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(h - 1, Math.ceil(cy + r));
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(w - 1, Math.ceil(cx + r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const v = data[y * w + x];
        if (!Number.isFinite(v)) continue;
        const wv = v * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
        sw += wv;
        sx += wv * x;
        sy += wv * y;
      }
    }
    if (!(sw > 0)) break;
    const nx = sx / sw;
    const ny = sy / sw;
    const moved = Math.hypot(nx - cx, ny - cy);
    cx = nx;
    cy = ny;
    if (moved < 1e-7) break;
  }
  return { x: cx, y: cy };
}
