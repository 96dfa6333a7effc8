import type { MockGalaxy } from './build-mock-galaxies.js';
import { stampOverlapsRows } from './galaxy-band-stamp.js';
import { stampStripWindow } from './stamp-strip-window.js';

/** The per-pixel truth maps written as `truth_<name>.fits` (intrinsic, i.e. not PSF-convolved). */
export const TRUTH_MAPS = [
  { name: 'log_mstar', unit: 'log10(Msun)', description: 'log10 sum_c M_c w_c: surviving stellar mass in the pixel (living + remnants)' },
  { name: 'log_sfr100', unit: 'log10(Msun/yr)', description: 'log10 sum_c SFR100_c w_c (SFR averaged over 100 Myr), floored at -10 like the simulator' },
  { name: 'log_age_mw', unit: 'log10(yr)', description: 'log10 of the formed-mass-weighted lookback age sum_c F_c w_c age_c / sum_c F_c w_c (as the simulator log_age_mw)' },
  { name: 'metallicity', unit: '[Z/H]', description: 'surviving-mass-weighted [Z/H]: sum_c M_c w_c Z_c / sum_c M_c w_c' },
  { name: 'av', unit: 'mag', description: 'surviving-mass-weighted Calzetti A_V: sum_c M_c w_c A_V,c / sum_c M_c w_c' },
] as const;
export type TruthMapName = (typeof TRUTH_MAPS)[number]['name'];

/** Per-pixel sums for one strip (length width × rows). */
export interface TruthAccumulators {
  massMsun: Float64Array;
  formedMsun: Float64Array;
  sfrMsunPerYr: Float64Array;
  formedAgeYr: Float64Array;
  massMetallicity: Float64Array;
  massAv: Float64Array;
}

export function createTruthAccumulators(n: number): TruthAccumulators {
  return {
    massMsun: new Float64Array(n),
    formedMsun: new Float64Array(n),
    sfrMsunPerYr: new Float64Array(n),
    formedAgeYr: new Float64Array(n),
    massMetallicity: new Float64Array(n),
    massAv: new Float64Array(n),
  };
}

/**
 * Accumulate rows [y0, y1) of every component (w_c = the component's profile weight in the pixel): mass M_c w_c,
 * formed mass F_c w_c, SFR100_c w_c, F_c w_c age_c, M_c w_c Z_c, M_c w_c A_V,c. Resets the accumulators first.
 */
export function accumulateTruthStrip(galaxies: MockGalaxy[], y0: number, y1: number, width: number, acc: TruthAccumulators): void {
  for (const a of Object.values(acc) as Float64Array[]) a.fill(0);
  for (const g of galaxies) {
    for (const c of g.components) {
      const s = c.stamp;
      if (!stampOverlapsRows(s, y0, y1)) continue;
      const { massMsun: m, formedMassMsun: f, sfr100MsunPerYr: sfr, ageMwYr: age, metallicity: zz, avMag: av } = c.pop;
      const { ja, jb, ia, ib, rowStart } = stampStripWindow(s, y0, y1, width);
      for (let j = ja, row = rowStart; j < jb; j++, row += width) {
        for (let i = ia; i < ib; i++) {
          const w = s.data[j * s.width + i];
          if (w === 0) continue;
          const k = row + i;
          acc.massMsun[k] += m * w;
          acc.formedMsun[k] += f * w;
          acc.sfrMsunPerYr[k] += sfr * w;
          acc.formedAgeYr[k] += f * w * age;
          acc.massMetallicity[k] += m * w * zz;
          acc.massAv[k] += m * w * av;
        }
      }
    }
  }
}

/** Turn accumulated sums into the truth maps; pixels without stellar mass are NaN in every map. */
export function truthMapsFromAccumulators(acc: TruthAccumulators, logSfrFloor = -10): Record<TruthMapName, Float32Array> {
  const n = acc.massMsun.length;
  const out = Object.fromEntries(TRUTH_MAPS.map((t) => [t.name, new Float32Array(n)])) as Record<TruthMapName, Float32Array>;
  for (let k = 0; k < n; k++) {
    const m = acc.massMsun[k];
    if (!(m > 0)) {
      out.log_mstar[k] = out.log_sfr100[k] = out.log_age_mw[k] = out.metallicity[k] = out.av[k] = NaN;
      continue;
    }
    out.log_mstar[k] = Math.log10(m);
    out.log_sfr100[k] = acc.sfrMsunPerYr[k] > 0 ? Math.max(logSfrFloor, Math.log10(acc.sfrMsunPerYr[k])) : logSfrFloor;
    out.log_age_mw[k] = Math.log10(acc.formedAgeYr[k] / acc.formedMsun[k]);
    out.metallicity[k] = acc.massMetallicity[k] / m;
    out.av[k] = acc.massAv[k] / m;
  }
  return out;
}
