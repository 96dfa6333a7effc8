/** m_AB = −2.5 log10(f / nJy) + 31.4 (Oke & Gunn 1983: 3631 Jy ↔ 0 mag). */
export const AB_ZERO_POINT_NJY = 31.4;
/** σ_m = 2.5/ln10 · σ_f / f (first-order error propagation). */
export const MAG_ERR_FACTOR = 2.5 / Math.LN10;

/** Non-detection and clipping rule of the `ab-mag-err-z` feature transform (tools/train/README.md). */
export interface AbMagRule {
  /** A band with f/σ below this (incl. f ≤ 0) is a non-detection, replaced by the snrMin-σ limit. */
  snrMin: number;
  /** Magnitude error of non-detections, and the cap on detections' errors. */
  magErrNonDet: number;
  magClip: [number, number];
}

export const DEFAULT_AB_MAG_RULE: AbMagRule = { snrMin: 1, magErrNonDet: MAG_ERR_FACTOR, magClip: [10, 40] };

export interface AbMagFeaturesInput {
  /** Per band (manifest order) flux and 1σ error in nJy; NaN, non-finite or σ ≤ 0 = missing band. */
  flux: ArrayLike<number>[];
  err: ArrayLike<number>[];
  z: ArrayLike<number>;
  n: number;
  /** Values used for missing bands (per band), from the manifest. */
  fillMag: number[];
  fillMagErr: number[];
  rule?: AbMagRule;
}

export interface AbMagFeatures {
  /** [n, 4B + 1] row-major: mag_b…, magErr_b…, nondet_b…, missing_b…, z. */
  features: Float32Array;
  nFeatures: number;
  /** Per row: number of non-detected bands and of missing bands. */
  nonDetected: Uint8Array;
  missing: Uint8Array;
}

/**
 * The `ab-mag-err-z` feature transform, identical to tools/train/pixsed_train/features.py: per band
 * missing → fill values; f/σ < snrMin → snrMin-σ limiting magnitude with error magErrNonDet;
 * otherwise m = −2.5 log10 f + 31.4, σ_m = min(2.5/ln10 σ/f, magErrNonDet); magnitudes clipped.
 */
export function abMagFeatures(input: AbMagFeaturesInput): AbMagFeatures {
  const { flux, err, z, n, fillMag, fillMagErr } = input;
  const rule = input.rule ?? DEFAULT_AB_MAG_RULE;
  const nb = flux.length;
  const nf = 4 * nb + 1;
  const out = new Float32Array(n * nf);
  const nonDetected = new Uint8Array(n);
  const missing = new Uint8Array(n);
  const [lo, hi] = rule.magClip;
  for (let i = 0; i < n; i++) {
    const row = i * nf;
    for (let b = 0; b < nb; b++) {
      const f = flux[b][i];
      const s = err[b][i];
      let mag: number;
      let magErr: number;
      let nd = 0;
      let miss = 0;
      if (!(Number.isFinite(f) && Number.isFinite(s) && s > 0)) {
        mag = fillMag[b];
        magErr = fillMagErr[b];
        miss = 1;
      } else if (!(f / s >= rule.snrMin)) {
        mag = -2.5 * Math.log10(rule.snrMin * s) + AB_ZERO_POINT_NJY;
        magErr = rule.magErrNonDet;
        nd = 1;
      } else {
        mag = -2.5 * Math.log10(f) + AB_ZERO_POINT_NJY;
        magErr = Math.min((MAG_ERR_FACTOR * s) / f, rule.magErrNonDet);
      }
      out[row + b] = Math.min(hi, Math.max(lo, mag));
      out[row + nb + b] = magErr;
      out[row + 2 * nb + b] = nd;
      out[row + 3 * nb + b] = miss;
      nonDetected[i] += nd;
      missing[i] += miss;
    }
    out[row + 4 * nb] = z[i];
  }
  return { features: out, nFeatures: nf, nonDetected, missing };
}
