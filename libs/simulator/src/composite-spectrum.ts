import { attenuateComposite } from './attenuate-composite.js';
import { PHYS } from './constants.js';
import { nebularMetallicityBracket } from './nebular-metallicity-bracket.js';
import type { NebularTables } from './nebular-tables.js';
import { metallicityBracket, type SspGrid } from './ssp-grid.js';

export interface SedParams {
  /** Redshift (> 0). */
  z: number;
  /** Stellar (and gas) metallicity [Z/H]; interpolated linearly in log Z, clamped to the grid. */
  logZsol: number;
  /** Calzetti V-band attenuation of all stars [mag]. */
  avMag: number;
  /** Extra V-band attenuation of stars younger than youngAgeGyr (and their nebular emission) [mag]. */
  avBirthCloudExtraMag?: number;
  /** Formed stellar mass per SSP age [M☉] (length nAge). */
  sspMassFormedMsun: ArrayLike<number>;
}

/** Nebular emission prepared on the SSP grid (f_esc = 0). */
export interface CompositeNebular {
  tables: NebularTables;
  /** `nebularContinuumOnGrid`: continuum per ionising photon, per table metallicity. */
  continuum: Float64Array[];
  /** `calzettiExponent` at the line wavelengths. */
  lineKappa: Float64Array;
}

export interface CompositeSpectrumInputs {
  grid: SspGrid;
  /** `transposeSspSpectra` of the (ionising-absorbed when nebular) SSP spectra: [Z][λ][age]. */
  lT: Float64Array;
  /** Q(H) per SSP [nZ][nAge] (zeros without nebular emission). */
  qH: Float64Array;
  /** `youngSspCount`: ages [0, nYoung) are young. */
  nYoung: number;
  /** `calzettiExponent` on the SSP grid. */
  kappa: Float64Array;
  nebular?: CompositeNebular;
}

export interface CompositeSpectrum {
  /** Rest-frame L_λ [erg/s/Å], valid over the last computed [lo, hi]. */
  spec: Float64Array;
  /** Emission-line luminosities [erg/s] of the last call (length max(1, nLine)). */
  lineLum: Float64Array;
  /** Composite of p over rest indices [lo, hi] into `spec` and `lineLum`; returns Q(H) [photons/s]. */
  compute(p: SedParams, lo: number, hi: number): number;
}

/**
 * Composite stellar population L_λ = Σ_j m_j L_j, split into old and young groups; Calzetti (2000) dust per group
 * (`attenuateComposite`); nebular continuum and lines from Q(H) (case B L(Hβ) = 4.757e-13 Q(H), line ratios of
 * the nebular tables interpolated in log Z). Metallicity interpolated linearly between the two bracketing SSPs.
 */
export function createCompositeSpectrum(inp: CompositeSpectrumInputs): CompositeSpectrum {
  const { grid, lT, qH, nYoung, kappa } = inp;
  const nA = grid.ageGyr.length;
  const nW = grid.wavelengthAngstrom.length;
  const neb = inp.nebular;
  const nLine = neb ? neb.tables.lineWavelengthAngstrom.length : 0;
  const sOld = new Float64Array(nW);
  const sYoung = new Float64Array(nW);
  const spec = new Float64Array(nW);
  const lineLum = new Float64Array(Math.max(1, nLine));
  const m0 = new Float64Array(nA);
  const m1 = new Float64Array(nA);

  const compute = (p: SedParams, lo: number, hi: number): number => {
    const { i0: k0, i1: k1, w1 } = metallicityBracket(grid, p.logZsol);
    const { jLo, jHi, qOld, qYoung } = splitSspMasses(p.sspMassFormedMsun, w1, qH, k0, k1, nYoung, m0, m1);
    const yHi = Math.min(jHi, nYoung);
    const oLo = Math.max(jLo, nYoung);
    const two = w1 !== 0;
    for (let i = lo; i <= hi; i++) {
      const b0 = (k0 * nW + i) * nA;
      const b1 = (k1 * nW + i) * nA;
      let y = 0;
      let o = 0;
      if (two) {
        for (let j = jLo; j < yHi; j++) y += m0[j] * lT[b0 + j] + m1[j] * lT[b1 + j];
        for (let j = oLo; j < jHi; j++) o += m0[j] * lT[b0 + j] + m1[j] * lT[b1 + j];
      } else {
        for (let j = jLo; j < yHi; j++) y += m0[j] * lT[b0 + j];
        for (let j = oLo; j < jHi; j++) o += m0[j] * lT[b0 + j];
      }
      sYoung[i] = y;
      sOld[i] = o;
    }
    const av = p.avMag;
    const avBc = p.avBirthCloudExtraMag ?? 0;
    if (neb) {
      const { t0, t1, u } = nebularMetallicityBracket(neb.tables.metallicityZ, grid.zSolar, p.logZsol);
      const c0 = neb.continuum[t0];
      const c1 = neb.continuum[t1];
      for (let i = lo; i <= hi; i++) {
        const c = c0[i] * (1 - u) + c1[i] * u;
        sOld[i] += qOld * c;
        sYoung[i] += qYoung * c;
      }
      nebularLineLuminosities(neb, t0, t1, u, av, avBc, qOld, qYoung, lineLum);
    }
    attenuateComposite(sOld, sYoung, kappa, av, avBc, lo, hi, spec);
    return qOld + qYoung;
  };
  return { spec, lineLum, compute };
}

/**
 * Split formed masses m_j between the bracketing metallicities (m0 = m (1 − w1), m1 = m w1; non-positive masses → 0)
 * and sum Q(H) of the young (j < nYoung) and old SSPs. Returns the occupied age range [jLo, jHi).
 */
function splitSspMasses(
  m: ArrayLike<number>,
  w1: number,
  qH: Float64Array,
  k0: number,
  k1: number,
  nYoung: number,
  m0: Float64Array,
  m1: Float64Array,
): { jLo: number; jHi: number; qOld: number; qYoung: number } {
  const nA = m0.length;
  let qOld = 0;
  let qYoung = 0;
  let jLo = nA;
  let jHi = 0;
  for (let j = 0; j < nA; j++) {
    const mj = m[j];
    if (!(mj > 0)) {
      m0[j] = 0;
      m1[j] = 0;
      continue;
    }
    if (j < jLo) jLo = j;
    jHi = j + 1;
    const a0 = mj * (1 - w1);
    const a1 = mj * w1;
    m0[j] = a0;
    m1[j] = a1;
    const q = a0 * qH[k0 * nA + j] + a1 * qH[k1 * nA + j];
    if (j < nYoung) qYoung += q;
    else qOld += q;
  }
  return { jLo, jHi, qOld, qYoung };
}

/** L_line = ratio(Z) × L(Hβ)/Q(H) × exp(A_V κ_line) × (Q_old + exp(A_V,bc κ_line) Q_young), into `out`. */
function nebularLineLuminosities(neb: CompositeNebular, t0: number, t1: number, u: number, av: number, avBc: number, qOld: number, qYoung: number, out: Float64Array): void {
  const nLine = neb.tables.lineWavelengthAngstrom.length;
  const lr = neb.tables.lineRatio;
  const hb = PHYS.hbetaErgPerIonisingPhoton;
  for (let l = 0; l < nLine; l++) {
    const ratio = lr[t0 * nLine + l] * (1 - u) + lr[t1 * nLine + l] * u;
    const k = neb.lineKappa[l];
    const dIsm = Math.exp(av * k);
    const dBc = avBc !== 0 ? Math.exp(avBc * k) : 1;
    out[l] = ratio * hb * dIsm * (qOld + dBc * qYoung);
  }
}
