import { applyBandOperator } from './apply-band-operator.js';
import { createBandOperators } from './band-operator.js';
import { calzettiExponent } from './calzetti-exponent.js';
import { cloudyNebularOnSspGrid, type CloudyNebularGrid } from './cloudy-nebular.js';
import { createCompositeSpectrum, type SedParams } from './composite-spectrum.js';
import type { Cosmology } from './cosmology.js';
import type { FilterCurve } from './filter-curve.js';
import { filterIntegrationWeights } from './filter-integration-weights.js';
import { igmTransmissionInoue14 } from './igm-inoue14.js';
import { ionisingPhotonRate } from './ionising-photon-rate.js';
import { nebularContinuumOnGrid } from './nebular-continuum-on-grid.js';
import type { NebularTables } from './nebular-tables.js';
import type { SspGrid } from './ssp-grid.js';
import { youngSspCount } from './young-ssp-count.js';

export type { SedParams } from './composite-spectrum.js';

export interface PhotometryEngineOptions {
  /** Highest redshift served (default 8). */
  zMax?: number;
  /** Redshift-node spacing of the precomputed band operators (default 0.002); fluxes are interpolated linearly in z. */
  dz?: number;
  /** Apply Inoue et al. (2014) IGM attenuation (default true). */
  igm?: boolean;
  /** Nebular tables; when given (and `nebular` is not false) adds lines + continuum from Q(H), f_esc = 0. */
  nebularTables?: NebularTables;
  nebular?: boolean;
  /**
   * Cloudy nebular emission per M☉ formed instead of the CIGALE tables (when `nebular` is not false): added for SSPs
   * younger than the grid's oldest age, whose λ < 912 Å flux is removed (older SSPs keep theirs); needs
   * SedParams.logU. `parent`: the SSP grid Cloudy was run on, needed (Q(H) scaling) when `grid` is another library.
   */
  cloudy?: { grid: CloudyNebularGrid; parent?: SspGrid };
  /** SSPs younger than this are "young" (birth-cloud attenuation and nebular emission split), default 0.01 Gyr. */
  youngAgeGyr?: number;
  /** Relative tolerance η of the SFH runs (`CompositeSpectrumInputs.sfhRunTolerance`; default `SFH_RUN_TOLERANCE`, 0 = exact). */
  sfhRunTolerance?: number;
}

/** Which nebular emission an engine adds (recorded in catalogue provenance). */
export type NebularIdentity = { model: 'cloudy'; grid: string; checksum: string } | { model: 'tables' } | { model: 'none' };

export interface PhotometryEngine {
  bands: string[];
  grid: SspGrid;
  cosmology: Cosmology;
  nebular: NebularIdentity;
  /** Band fluxes [nJy] written into `out` (length nBands). Linear in the SSP masses; see README "Fast photometry". */
  bandFluxesNjy(p: SedParams, out?: Float64Array): Float64Array;
  /**
   * Reference path: rest-frame L_λ [erg/s/Å] on the SSP grid (dust and nebular continuum applied) plus emission
   * lines [erg/s] and the IGM transmission on the rest grid for redshift z. For tests and plots.
   */
  restFrameSpectrum(p: SedParams): {
    wavelengthAngstrom: Float64Array;
    lLambda: Float64Array;
    igmTransmission: Float64Array;
    lineWavelengthAngstrom: Float64Array;
    lineLuminosityErgS: Float64Array;
    ionisingPhotonRate: number;
  };
}

/**
 * Fast synthetic photometry of composite stellar populations. Photometry is linear in the spectrum, so per redshift
 * node we precompute, per band, weights W_b(λ_i) on the SSP wavelength grid that reproduce
 * f_ν = ∫ f_λ λ T dλ / ∫ (c/λ) T dλ (trapezoid on the filter grid, f_λ linearly interpolated), including the IGM.
 * Per object: composite L_λ = Σ_j m_j L_j (old and young groups), Calzetti (2000) dust per group, nebular continuum,
 * then f_b = D(z) Σ_i W_b,i L_i with D = 1/(4π d_L² (1+z)) (f_λ,obs = L_λ/(4π d_L² (1+z)) at λ(1+z)).
 */
export function createPhotometryEngine(
  grid: SspGrid,
  filters: FilterCurve[],
  cosmology: Cosmology,
  opts: PhotometryEngineOptions = {},
): PhotometryEngine {
  const zMax = opts.zMax ?? 8;
  const dz = opts.dz ?? 0.002;
  const useIgm = opts.igm !== false;
  const cl = opts.nebular !== false && opts.cloudy ? cloudyNebularOnSspGrid(opts.cloudy.grid, grid, opts.cloudy.parent) : undefined;
  const neb = opts.nebular !== false && !cl ? opts.nebularTables : undefined;
  const nA = grid.ageGyr.length;
  const nZ = grid.metallicityLogZsol.length;
  const wl = grid.wavelengthAngstrom;
  const nW = wl.length;
  const nB = filters.length;
  const nYoung = youngSspCount(grid.ageGyr, opts.youngAgeGyr ?? 0.01);
  // stellar spectra; with nebular emission all ionising photons are absorbed by gas (f_esc = 0): of every SSP for
  // the CIGALE tables, of the SSPs the Cloudy grid covers for Cloudy (bagpipes' convention)
  const lLambda = neb ? withoutIonisingFlux(grid, nA) : cl ? withoutIonisingFlux(grid, cl.nNeb) : grid.lLambda;
  const lineWavelengthAngstrom = neb ? neb.lineWavelengthAngstrom : cl?.lineWavelengthAngstrom;
  const composite = createCompositeSpectrum({
    grid,
    lLambda,
    qH: neb || cl ? ionisingPhotonRate(grid) : new Float64Array(nZ * nA),
    nYoung,
    kappa: calzettiExponent(wl),
    nebular: neb && { tables: neb, continuum: nebularContinuumOnGrid(neb, wl), lineKappa: calzettiExponent(neb.lineWavelengthAngstrom) },
    cloudy: cl,
    sfhRunTolerance: opts.sfhRunTolerance,
  });
  const node = createBandOperators(filters.map(filterIntegrationWeights), wl, { dz, igm: useIgm, lineWavelengthAngstrom });
  const nNodes = Math.round(zMax / dz) + 1;
  const dlTab = luminosityDistanceTable(cosmology, dz, nNodes);
  const { spec, lineLum } = composite;

  const nebular: NebularIdentity = cl ? { model: 'cloudy', grid: opts.cloudy!.grid.name, checksum: opts.cloudy!.grid.checksum } : neb ? { model: 'tables' } : { model: 'none' };
  return {
    bands: filters.map((f) => f.name),
    grid,
    cosmology,
    nebular,
    bandFluxesNjy(p, out) {
      if (!(p.z > 0) || p.z > zMax) throw new RangeError(`redshift ${p.z} outside (0, ${zMax}] served by this photometry engine`);
      const o = out ?? new Float64Array(nB);
      o.fill(0);
      const x = p.z / dz;
      const n0 = Math.min(Math.floor(x), nNodes - 2);
      const u = x - n0;
      const op0 = node(n0);
      const op1 = node(n0 + 1);
      composite.compute(p, Math.min(op0.lo, op1.lo), Math.max(op0.hi, op1.hi));
      const dl = dlTab[n0] * (1 - u) + dlTab[n0 + 1] * u;
      const dist = 1 / (4 * Math.PI * dl * dl * (1 + p.z));
      applyBandOperator(op0, spec, lineLum, o, (1 - u) * dist);
      applyBandOperator(op1, spec, lineLum, o, u * dist);
      return o;
    },
    restFrameSpectrum(p) {
      const q = composite.compute(p, 0, nW - 1);
      const igmT = Float64Array.from(wl, (l) => (useIgm && p.z > 0 ? igmTransmissionInoue14(l * (1 + p.z), p.z) : 1));
      return {
        wavelengthAngstrom: wl,
        lLambda: Float64Array.from(spec),
        igmTransmission: igmT,
        lineWavelengthAngstrom: lineWavelengthAngstrom ?? new Float64Array(0),
        lineLuminosityErgS: lineWavelengthAngstrom ? Float64Array.from(lineLum.subarray(0, lineWavelengthAngstrom.length)) : new Float64Array(0),
        ionisingPhotonRate: q,
      };
    },
  };
}

/** SSP spectra with L_λ = 0 below 912 Å for the ages [0, nAges) (their ionising photons absorbed by the gas, f_esc = 0). */
function withoutIonisingFlux(grid: SspGrid, nAges: number): Float64Array {
  const wl = grid.wavelengthAngstrom;
  const nW = wl.length;
  const nA = grid.ageGyr.length;
  const out = Float64Array.from(grid.lLambda);
  for (let k = 0; k < grid.metallicityLogZsol.length; k++) {
    for (let j = 0; j < nAges; j++) for (let i = 0; i < nW && wl[i] < 912; i++) out[(k * nA + j) * nW + i] = 0;
  }
  return out;
}

/** d_L on the node grid z = n dz (linear interpolation between nodes: relative error < 1e-6 for dz = 0.002). */
function luminosityDistanceTable(cosmology: Cosmology, dz: number, nNodes: number): Float64Array {
  return cosmology.luminosityDistanceCmGrid
    ? cosmology.luminosityDistanceCmGrid(dz, nNodes)
    : Float64Array.from({ length: nNodes }, (_, n) => cosmology.luminosityDistanceCm(n * dz));
}
