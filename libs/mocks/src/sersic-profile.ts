/** A stamp of non-negative weights on the pixel grid: data[(y - y0) * width + (x - x0)] for 0-based pixel (x, y). */
export interface Stamp {
  x0: number;
  y0: number;
  width: number;
  height: number;
  data: Float64Array;
}

export interface SersicProfileParams {
  /** Sérsic index n (0.5 = Gaussian, 1 = exponential, 4 = de Vaucouleurs). */
  sersicN: number;
  /** Effective (half-light) radius along the major axis [px]. */
  rePx: number;
  /** Minor/major axis ratio q (0 < q ≤ 1). */
  axisRatio: number;
  /** Position angle of the major axis [deg], east of north (north = +y, east = −x on a north-up, east-left grid). */
  paDeg: number;
  /** Centre [0-based px]. */
  xPx: number;
  yPx: number;
  /** Profile truncated at this many R_e (elliptical radius) and renormalised; default 6. */
  truncateAtRe?: number;
  /** Sub-pixel samples per axis (default 5; ×4 within 3 px of the centre). */
  oversample?: number;
}

/**
 * Sérsic b_n from the Ciotti & Bertin (1999, A&A 352, 447) asymptotic expansion,
 * b_n ≈ 2n − 1/3 + 4/(405 n) + 46/(25515 n²) + 131/(1148175 n³) (so that R_e encloses half the light).
 */
export function sersicBn(n: number): number {
  return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n * n) + 131 / (1148175 * n * n * n);
}

/**
 * Pixel-integrated, truncated elliptical Sérsic (1968) profile I(R) ∝ exp(−b_n [(R/R_e)^{1/n} − 1]) with
 * R² = x′² + (y′/q)² (x′ along the major axis), sampled on `oversample²` sub-pixels per pixel, set to zero beyond
 * `truncateAtRe`·R_e and normalised to unit sum over the stamp: weights are the fraction of the component's
 * light (and mass) in each pixel. The stamp covers the truncation ellipse and may extend beyond the image.
 */
export function sersicProfile(p: SersicProfileParams): Stamp {
  const n = p.sersicN;
  if (!(n > 0) || !(p.rePx > 0) || !(p.axisRatio > 0 && p.axisRatio <= 1)) {
    throw new RangeError(`Sérsic profile needs n > 0, R_e > 0, 0 < q ≤ 1 (got n=${n}, R_e=${p.rePx} px, q=${p.axisRatio})`);
  }
  const trunc = p.truncateAtRe ?? 6;
  const os = Math.max(1, Math.round(p.oversample ?? 5));
  const bn = sersicBn(n);
  const th = (p.paDeg * Math.PI) / 180;
  // major-axis unit vector in pixel coordinates (east = −x, north = +y)
  const ux = -Math.sin(th);
  const uy = Math.cos(th);
  const rMax = trunc * p.rePx;
  const x0 = Math.floor(p.xPx - rMax) - 1;
  const x1 = Math.ceil(p.xPx + rMax) + 1;
  const y0 = Math.floor(p.yPx - rMax) - 1;
  const y1 = Math.ceil(p.yPx + rMax) + 1;
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const data = new Float64Array(width * height);
  const invRe = 1 / p.rePx;
  const invQ = 1 / p.axisRatio;
  const trunc2 = trunc * trunc;
  const invN = 1 / n;
  const value = (dx: number, dy: number): number => {
    const a = dx * ux + dy * uy;
    const b = (dx * uy - dy * ux) * invQ;
    const r2 = (a * a + b * b) * invRe * invRe;
    if (r2 > trunc2) return 0;
    return Math.exp(-bn * (Math.pow(r2, 0.5 * invN) - 1));
  };
  let sum = 0;
  for (let j = 0; j < height; j++) {
    const py = y0 + j;
    for (let i = 0; i < width; i++) {
      const px = x0 + i;
      const dxc = px - p.xPx;
      const dyc = py - p.yPx;
      const s = dxc * dxc + dyc * dyc < 9 ? os * 4 : os;
      let acc = 0;
      for (let sy = 0; sy < s; sy++) {
        const dy = dyc - 0.5 + (sy + 0.5) / s;
        for (let sx = 0; sx < s; sx++) acc += value(dxc - 0.5 + (sx + 0.5) / s, dy);
      }
      const v = acc / (s * s);
      data[j * width + i] = v;
      sum += v;
    }
  }
  if (!(sum > 0)) throw new RangeError(`Sérsic profile with R_e=${p.rePx} px has no light on the pixel grid`);
  for (let k = 0; k < data.length; k++) data[k] /= sum;
  return { x0, y0, width, height, data };
}
