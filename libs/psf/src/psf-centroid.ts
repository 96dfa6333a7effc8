import type { ImageLike } from './types.js';

export interface CentroidOptions {
  /** radius (pixels) of the circular window around the current estimate; default 5 */
  radiusPx?: number;
  /** number of re-centring iterations; default 5 */
  iterations?: number;
}

/**
 * Windowed first-moment centroid x_c = sum(w I x) / sum(w I) inside a circle of `radiusPx` that is
 * re-centred on the previous estimate, starting from the brightest pixel (iterative windowed
 * centroid, cf. SExtractor XWIN/YWIN without the Gaussian weight). Non-finite pixels are ignored.
 */
export function psfCentroid(img: ImageLike, opts: CentroidOptions = {}): { x: number; y: number } {
  const { width: w, height: h, data } = img;
  const r = opts.radiusPx ?? 5;
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
  const iters = opts.iterations ?? 5;
  for (let it = 0; it < iters; it++) {
    let s = 0;
    let sx = 0;
    let sy = 0;
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(h - 1, Math.ceil(cy + r));
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(w - 1, Math.ceil(cx + r));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        const v = data[y * w + x];
        if (!Number.isFinite(v)) continue;
        s += v;
        sx += v * x;
        sy += v * y;
      }
    }
    if (!(s > 0)) break;
    const nx = sx / s;
    const ny = sy / s;
    const moved = Math.hypot(nx - cx, ny - cy);
    cx = nx;
    cy = ny;
    if (moved < 1e-6) break;
  }
  return { x: cx, y: cy };
}
