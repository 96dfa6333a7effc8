import type { StripConvolver } from './create-strip-convolver.js';
import { footprintDilation } from './footprint-dilation.js';
import { invalidPixels } from './invalid-pixels.js';

export interface MatchedBandStrip {
  /** flux ⊛ K on the core rows (coreRows × width); NaN where the band is missing. */
  flux: Float32Array;
  /** σ' = sqrt(σ² ⊛ K²) on the core rows; NaN where the band is missing. */
  err: Float32Array;
  /** 1 where the kernel footprint of a core pixel touches an invalid input (see invalidPixels); null: none. */
  missing: Uint8Array | null;
}

/**
 * One band of a halo strip through PSF matching: flux ⊛ K and σ' = sqrt(σ² ⊛ K²) (variance propagation of a
 * linear filter, e.g. Papoulis & Pillai §9.3; neighbouring outputs become correlated). A core pixel whose
 * footprint touches an invalid input has the band missing (NaN flux and σ): invalid inputs are never used as
 * values. They are set to 0 before the FFT only so that pixels outside their footprints, which never read them,
 * are computed. A strip without invalid inputs goes through unchanged (no copy, no dilation).
 */
export function matchBandStrip(
  flux: ArrayLike<number>,
  err: ArrayLike<number>,
  conv: { flux: StripConvolver; variance: StripConvolver },
  haloTop: number,
  haloBottom: number,
): MatchedBandStrip {
  const width = conv.flux.width;
  const rows = flux.length / width;
  const invalid = invalidPixels(flux, err);
  const variance = new Float32Array(err.length);
  for (let i = 0; i < variance.length; i++) variance[i] = err[i] * err[i];
  let input: ArrayLike<number> = flux;
  let missing: Uint8Array | null = null;
  if (invalid) {
    const f = new Float32Array(flux);
    for (let i = 0; i < invalid.length; i++) {
      if (invalid[i]) {
        f[i] = 0;
        variance[i] = 0;
      }
    }
    input = f;
    const c = conv.flux;
    const cy = c.haloRowsBottom;
    const cx = c.haloColsRight;
    missing = footprintDilation(invalid, { rows, width, outStart: haloTop, outEnd: rows - haloBottom, kh: c.haloRowsTop + cy + 1, kw: c.haloColsLeft + cx + 1, cy, cx });
  }
  const out = conv.flux.convolveStrip(input, { haloTop, haloBottom });
  const e = conv.variance.convolveStrip(variance, { haloTop, haloBottom });
  for (let i = 0; i < e.length; i++) e[i] = Math.sqrt(Math.max(0, e[i]));
  if (missing) {
    for (let i = 0; i < missing.length; i++) {
      if (missing[i]) {
        out[i] = NaN;
        e[i] = NaN;
      }
    }
  }
  return { flux: out, err: e, missing };
}
