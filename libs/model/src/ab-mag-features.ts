/** m_AB = −2.5 log10(f / nJy) + 31.4 (Oke & Gunn 1983: 3631 Jy ↔ 0 mag). */
export const AB_ZERO_POINT_NJY = 31.4;
/** σ_m = 2.5/ln10 · σ_f / f (first-order error propagation). */
export const MAG_ERR_FACTOR = 2.5 / Math.LN10;

import { ModelMismatchError } from '@pixsed/core/numeric';
import { featureLayout } from './feature-layout.js';

/** Non-detection and clipping rule of the `ab-mag-err-z` feature transform (tools/train/README.md). */
export interface AbMagRule {
  /** m = −2.5 log10(f / nJy) + magZeroPoint (the manifest's `features.magZeroPoint`; default AB_ZERO_POINT_NJY). */
  magZeroPoint?: number;
  /** σ_m = magErrFactor · σ_f / f (the manifest's `features.magErrFactor`; default MAG_ERR_FACTOR). */
  magErrFactor?: number;
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
  /** Per row redshift: the last feature. Required unless `withZ` is false (a photo-z model, transform 'ab-mag-err'). */
  z?: ArrayLike<number>;
  n: number;
  /** Append z as the last feature (default true; false: transform 'ab-mag-err' of a photo-z model, 4B features). */
  withZ?: boolean;
  /** Values used for missing bands (per band), from the manifest. */
  fillMag: number[];
  fillMagErr: number[];
  rule?: AbMagRule;
}

export interface AbMagFeatures {
  /** [n, 4B + 1] row-major: mag_b…, magErr_b…, nondet_b…, missing_b…, z ([n, 4B] without z). */
  features: Float32Array;
  nFeatures: number;
  /** Per row: number of non-detected bands and of missing bands. */
  nonDetected: Uint8Array;
  missing: Uint8Array;
}

/**
 * The `ab-mag-err-z` feature transform, identical to tools/train/pixsed_train/features.py: per band
 * missing → fill values; f/σ < snrMin → snrMin-σ limiting magnitude with error magErrNonDet;
 * otherwise m = −2.5 log10 f + magZeroPoint, σ_m = min(magErrFactor σ/f, magErrNonDet); magnitudes clipped;
 * block offsets from `featureLayout`.
 */
export function abMagFeatures(input: AbMagFeaturesInput): AbMagFeatures {
  const { flux, err, z, n, fillMag, fillMagErr } = input;
  const rule = input.rule ?? DEFAULT_AB_MAG_RULE;
  const withZ = input.withZ ?? true;
  if (withZ && z === undefined) throw new ModelMismatchError('abMagFeatures: the ab-mag-err-z transform needs a z per row (withZ false: a photo-z model without z)');
  const nb = flux.length;
  const layout = featureLayout(Array.from({ length: nb }, (_, b) => String(b)), withZ);
  const nf = layout.count;
  const [oMag, oErr, oNd, oMiss, oZ] = [layout.mag.offset, layout.magErr.offset, layout.nondet.offset, layout.missing.offset, layout.z.offset];
  const zp = rule.magZeroPoint ?? AB_ZERO_POINT_NJY;
  const errFactor = rule.magErrFactor ?? MAG_ERR_FACTOR;
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
        mag = -2.5 * Math.log10(rule.snrMin * s) + zp;
        magErr = rule.magErrNonDet;
        nd = 1;
      } else {
        mag = -2.5 * Math.log10(f) + zp;
        magErr = Math.min((errFactor * s) / f, rule.magErrNonDet);
      }
      out[row + oMag + b] = Math.min(hi, Math.max(lo, mag));
      out[row + oErr + b] = magErr;
      out[row + oNd + b] = nd;
      out[row + oMiss + b] = miss;
      nonDetected[i] += nd;
      missing[i] += miss;
    }
    if (z && withZ) out[row + oZ] = z[i];
  }
  return { features: out, nFeatures: nf, nonDetected, missing };
}
