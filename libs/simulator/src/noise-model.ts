import { abMagnitude } from './ab-magnitude.js';
import type { Prng } from './prng.js';

/** JADES per-pixel noise statistics (SBIPIX, Iglesias-Navarro et al. 2025), in the band order of `bands`. */
export interface NoiseTables {
  bands: string[];
  /** 1σ background depth per band [nJy] (background_noise_hainline.npy is in µJy; ×1000). */
  depth1SigmaNjy: Float64Array;
  /** Magnitude-bin edges [nEdges][nBand] (AB mag, increasing = fainter). */
  magBinEdges: Float64Array;
  nEdges: number;
  /** Gaussian mean / std of σ_mag per band and bin, [nBand][nBinCols]. */
  meanSigmaMag: Float64Array;
  stdSigmaMag: Float64Array;
  nBinCols: number;
}

export type NoiseMode = 'sbipix' | 'gaussian-flux';

/** Non-detection rule shared by simulation and data (SBIPIX `phot < limits`): flux below the 1σ depth. */
export function isNonDetection(fluxNjy: number, depth1SigmaNjy: number): boolean {
  return !(fluxNjy >= depth1SigmaNjy);
}

/**
 * Noise for one band of one object. σ_mag is drawn from the Gaussian N(mean_b,k, std_b,k) truncated at 0, where k is
 * the magnitude bin of the true flux (np.digitize on the percentile edges; bins past the last populated one use
 * the last populated bin, k ≤ nEdges − 1). Modes:
 * - `sbipix` (Iglesias-Navarro et al. 2025 / SBIPIX `add_noise_nan_limit_all`): true flux ≤ 1σ depth → non-detection,
 *   returned as flux 0, error = depth; otherwise m_obs = m + N(0, σ_mag), error = f_obs σ_mag ln10/2.5.
 * - `gaussian-flux`: σ_f² = (f σ_mag ln10/2.5)² + depth², f_obs = f + N(0, σ_f) for every object (no censoring;
 *   apply `isNonDetection` downstream).
 * `sigmaScale` multiplies every noise term, σ_mag and the 1σ depth (so in `sbipix` also the detection threshold
 * and a non-detection's error): error-scale augmentation, a pixel as deep as the tables × sigmaScale.
 * `floorFraction` φ (0 = none) is a per-band fractional error floor applied after the mode's σ (and after
 * sigmaScale), with the observed flux drawn from the same standard-normal deviate with the floored σ:
 * - `gaussian-flux`: σ_f' = max(σ_f, φ·f_true), f_obs = f_true + σ_f'·ε.
 * - `sbipix` (draws in magnitudes): σ_mag' = max(σ_mag, φ·2.5/ln10), i.e. the linearised flux scatter
 *   f_true·σ_mag·ln10/2.5 is floored at φ·f_true; m_obs = m + σ_mag'·ε and the quoted error is, as in SBIPIX,
 *   f_obs·σ_mag'·ln10/2.5 (= φ·f_obs where the floor dominates). Non-detections (f_true ≤ depth) are unchanged
 *   (flux 0, error = depth): there the floor φ·f_true < depth.
 * The floor draws no random numbers, so a catalogue's other columns and its non-floored bands are unchanged.
 * Returns [fluxNjy, errNjy].
 */
export function noisyFlux(
  t: NoiseTables,
  band: number,
  trueFluxNjy: number,
  prng: Prng,
  mode: NoiseMode = 'sbipix',
  sigmaScale = 1,
  floorFraction = 0,
): [number, number] {
  const depth = t.depth1SigmaNjy[band] * sigmaScale;
  const detectable = trueFluxNjy > depth;
  let sigmaMag = 0;
  if (detectable || mode === 'gaussian-flux') {
    const mag = trueFluxNjy > 0 ? abMagnitude(trueFluxNjy) : Number.POSITIVE_INFINITY;
    let k = 0;
    while (k < t.nEdges && mag >= t.magBinEdges[k * t.bands.length + band]) k++;
    k = Math.min(k, t.nEdges - 1);
    let mean = t.meanSigmaMag[band * t.nBinCols + k];
    let std = t.stdSigmaMag[band * t.nBinCols + k];
    while (k > 0 && !(Number.isFinite(mean) && Number.isFinite(std))) {
      k--;
      mean = t.meanSigmaMag[band * t.nBinCols + k];
      std = t.stdSigmaMag[band * t.nBinCols + k];
    }
    sigmaMag = prng.truncatedNormal(mean, std, 0) * sigmaScale;
  }
  if (mode === 'gaussian-flux') {
    const sf = Math.max(0, trueFluxNjy) * sigmaMag * (Math.LN10 / 2.5);
    let s = Math.sqrt(sf * sf + depth * depth);
    if (floorFraction > 0) s = Math.max(s, floorFraction * Math.max(0, trueFluxNjy));
    return [trueFluxNjy + s * prng.normal(), s];
  }
  if (floorFraction > 0) sigmaMag = Math.max(sigmaMag, floorFraction * (2.5 / Math.LN10));
  if (!detectable) return [0, depth];
  const fObs = trueFluxNjy * Math.pow(10, -0.4 * sigmaMag * prng.normal());
  return [fObs, fObs * sigmaMag * (Math.LN10 / 2.5)];
}
