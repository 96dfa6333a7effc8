import { emissionLineBandWeights, type EmissionLineBandWeights } from './emission-line-band-weights.js';
import type { FilterIntegrationWeights } from './filter-integration-weights.js';
import { igmTransmissionInoue14 } from './igm-inoue14.js';
import { restFrameBandWeights } from './rest-frame-band-weights.js';

/** Linear map from a rest-frame spectrum (and line luminosities) to band fluxes at one redshift node, before D(z). */
export interface BandOperator extends EmissionLineBandWeights {
  /** Rest-grid index range [lo, hi] touched by any band. */
  lo: number;
  hi: number;
  /** Per band: first rest-grid index of `weights[b]`. */
  start: Int32Array;
  weights: Float64Array[];
}

export interface BandOperatorOptions {
  /** Redshift-node spacing: node n is at z = n dz. */
  dz: number;
  /** Multiply by the Inoue et al. (2014) IGM transmission at λ_rest (1+z) < Lyα (1+z). */
  igm: boolean;
  /** Emission-line rest wavelengths [Å]; none when absent. */
  lineWavelengthAngstrom?: Float64Array;
}

/**
 * Band operators per redshift node, built on first use and cached: per band the rest-frame weights
 * (`restFrameBandWeights`), times the IGM transmission (evaluated once per (rest index, node) and shared between
 * bands), plus the emission-line weights (`emissionLineBandWeights`).
 */
export function createBandOperators(filters: FilterIntegrationWeights[], wl: Float64Array, opts: BandOperatorOptions): (node: number) => BandOperator {
  const nW = wl.length;
  const nB = filters.length;
  const nodes = new Map<number, BandOperator>();
  const igmRest = new Float64Array(nW);
  const igmStamp = new Int32Array(nW);
  const build = (n: number): BandOperator => {
    const z = n * opts.dz;
    const zp1 = 1 + z;
    const start = new Int32Array(nB);
    const weights: Float64Array[] = [];
    let lo = nW;
    let hi = -1;
    for (let b = 0; b < nB; b++) {
      const { start: i0, weights: acc } = restFrameBandWeights(filters[b], wl, zp1);
      const i1 = i0 + acc.length - 1;
      if (opts.igm && z > 0) {
        for (let i = i0; i <= i1; i++) {
          const lo2 = wl[i] * zp1;
          if (lo2 < 1215.67 * zp1) {
            // the transmission depends only on (i, z): evaluate once per node and share between bands
            if (igmStamp[i] !== n + 1) {
              igmStamp[i] = n + 1;
              igmRest[i] = igmTransmissionInoue14(lo2, z);
            }
            acc[i - i0] *= igmRest[i];
          }
        }
      }
      start[b] = i0;
      weights.push(acc);
      lo = Math.min(lo, i0);
      hi = Math.max(hi, i1);
    }
    const lines = opts.lineWavelengthAngstrom
      ? emissionLineBandWeights(opts.lineWavelengthAngstrom, filters, z, opts.igm)
      : { lineBand: new Int32Array(0), lineIndex: new Int32Array(0), lineWeight: new Float64Array(0) };
    return { lo, hi, start, weights, ...lines };
  };
  return (n) => {
    let op = nodes.get(n);
    if (!op) {
      op = build(n);
      nodes.set(n, op);
    }
    return op;
  };
}
