/**
 * A galaxy's integrated photometry from its kept pixels, per band: Σ flux [nJy] over the pixels where the band is
 * valid (finite flux, finite σ > 0) and its 1σ error as the quadrature sum (ignores PSF-induced correlations between
 * pixels). One code path for the galaxies sink's integrated fit and the photo-z first pass (ADR 0010).
 */
export class BandSums {
  readonly flux: Float64Array;
  readonly err2: Float64Array;
  readonly nValid: Int32Array;
  /** pixels added (each kept pixel once, whichever of its bands are valid) */
  nPixels = 0;
  constructor(readonly nBands: number) {
    this.flux = new Float64Array(nBands);
    this.err2 = new Float64Array(nBands);
    this.nValid = new Int32Array(nBands);
  }

  /** Adds pixel `i` of the per-band columns `flux[b]`, `err[b]` (nJy); a band missing there is left out of its sum, and counted. */
  add(flux: ArrayLike<number>[], err: ArrayLike<number>[], i: number): void {
    this.nPixels++;
    for (let k = 0; k < this.nBands; k++) {
      const f = flux[k][i];
      const e = err[k][i];
      if (!(Number.isFinite(f) && e > 0 && e < Infinity)) continue;
      this.flux[k] += f;
      this.err2[k] += e * e;
      this.nValid[k]++;
    }
  }

  /** Per band name (`bands` in the order the sums were added): Σ flux, its 1σ (NaN where no pixel had the band), the pixels each sum covers, and the bands whose sum misses some pixels. */
  result(bands: string[]): IntegratedSums {
    return {
      nPixels: this.nPixels,
      fluxSum: Object.fromEntries(bands.map((b, k) => [b, this.nValid[k] ? this.flux[k] : NaN])),
      fluxSumErr: Object.fromEntries(bands.map((b, k) => [b, this.nValid[k] ? Math.sqrt(this.err2[k]) : NaN])),
      fluxSumPixels: Object.fromEntries(bands.map((b, k) => [b, this.nValid[k]])),
      incompleteBands: bands.filter((_, k) => this.nValid[k] < this.nPixels),
    };
  }
}

export interface IntegratedSums {
  nPixels: number;
  /** Σ flux per band [nJy] over the pixels where the band is valid, and its 1σ error; NaN when no pixel has the band. */
  fluxSum: Record<string, number>;
  fluxSumErr: Record<string, number>;
  /** Pixels each band sum covers; fewer than nPixels = an incomplete footprint (see incompleteBands). */
  fluxSumPixels: Record<string, number>;
  /** Bands whose sum misses some pixels (band missing there), in band order. */
  incompleteBands: string[];
}

/**
 * Photometry for an integrated fit, per band in `bands` order ([value] per band, the model's layout): the band
 * sum where it covers every kept pixel, NaN (a missing band for the model) where the footprint is incomplete
 * or the band is absent, so that a sum made low by missing pixels is never fitted as a measurement.
 */
export function integratedPhotometry(r: Pick<IntegratedSums, 'nPixels' | 'fluxSum' | 'fluxSumErr' | 'fluxSumPixels'>, bands: string[]): { flux: number[][]; err: number[][] } {
  const whole = (b: string) => r.fluxSumPixels[b] === r.nPixels && r.nPixels > 0;
  return { flux: bands.map((b) => [whole(b) ? r.fluxSum[b] : NaN]), err: bands.map((b) => [whole(b) ? r.fluxSumErr[b] : NaN]) };
}
