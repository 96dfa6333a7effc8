import { attenuateComposite } from './attenuate-composite.js';
import { clampedBracket, type CloudyOnSsp } from './cloudy-nebular.js';
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
  /** log10 ionisation parameter U of the Cloudy nebular emission (needed with the `cloudy` model only). */
  logU?: number;
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
  /** Cloudy nebular emission per M☉ formed of the SSPs [0, cloudy.nNeb) (instead of `nebular`). */
  cloudy?: CloudyOnSsp;
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
  const cl = inp.cloudy;
  if (neb && cl) throw new RangeError('createCompositeSpectrum: give either CIGALE `nebular` or `cloudy`, not both');
  const nLine = neb ? neb.tables.lineWavelengthAngstrom.length : cl ? cl.lineWavelengthAngstrom.length : 0;
  const cloudyAdd = cl && createCloudyAdder(cl, nYoung);
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
    } else if (cloudyAdd) {
      if (!Number.isFinite(p.logU)) throw new RangeError('the Cloudy nebular model needs SedParams.logU');
      cloudyAdd(m0, m1, k0, k1, p.logU!, av, avBc, lo, hi, sOld, sYoung, lineLum);
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

/**
 * Cloudy emission of the SSPs j < nNeb added to the old (j ≥ nYoung) and young groups: the SSP masses (× the Q(H)
 * scale) are folded onto the Cloudy ages by the log-age interpolation weights (exact, the interpolation is linear),
 * then Σ over (log U plane, metallicity, Cloudy age) of weight × continuum; lines likewise, with Calzetti dust
 * exp(A_V κ) (old + exp(A_V,bc κ) young) as the CIGALE lines.
 */
function createCloudyAdder(cl: CloudyOnSsp, nYoung: number) {
  const nA = cl.nNative;
  const nL = cl.lineWavelengthAngstrom.length;
  const nNeb = cl.nNeb;
  // folded weights [group (0 old, 1 young)][metallicity slot (k0, k1)][Cloudy age]
  const wf = new Float64Array(4 * nA);
  const lOld = new Float64Array(nL);
  const lYoung = new Float64Array(nL);
  const wb = new Float64Array(4 * nA);
  const blockBase = new Int32Array(4);
  return (m0: Float64Array, m1: Float64Array, k0: number, k1: number, logU: number, av: number, avBc: number, lo: number, hi: number, sOld: Float64Array, sYoung: Float64Array, lineLum: Float64Array): void => {
    wf.fill(0);
    const two = k1 !== k0;
    for (let j = 0; j < nNeb; j++) {
      const a = m0[j] * cl.scale[k0 * nNeb + j];
      const b = two ? m1[j] * cl.scale[k1 * nNeb + j] : 0;
      if (a === 0 && b === 0) continue;
      // without birth-cloud dust both groups are attenuated alike: one group (half the work per λ)
      const g = avBc !== 0 && j < nYoung ? 1 : 0;
      const a0 = cl.ageIndex[j];
      const w = cl.ageWeight[j];
      const o0 = (g * 2 + 0) * nA + a0;
      const o1 = (g * 2 + 1) * nA + a0;
      wf[o0] += a * (1 - w);
      wf[o1] += b * (1 - w);
      if (w !== 0) {
        wf[o0 + 1] += a * w;
        wf[o1 + 1] += b * w;
      }
    }
    const { i0: u0, w: uw } = clampedBracket(cl.logU, logU);
    lOld.fill(0);
    lYoung.fill(0);
    const cont = cl.continuum;
    const ll = cl.lineLuminosity;
    const nGroup = avBc !== 0 ? 2 : 1;
    for (let g = 0; g < nGroup; g++) {
      // the (metallicity slot, log U plane) blocks with their weights over the Cloudy ages
      let nb = 0;
      for (let c = 0; c < 2; c++) {
        for (let du = 0; du < 2; du++) {
          const fu = du === 0 ? 1 - uw : uw;
          if (fu === 0) continue;
          let any = false;
          for (let a = 0; a < nA; a++) {
            const w = wf[(g * 2 + c) * nA + a] * fu;
            wb[nb * nA + a] = w;
            if (w !== 0) any = true;
          }
          if (!any) continue;
          const plane = (u0 + du) * cl.nZ + (c === 0 ? k0 : k1);
          blockBase[nb] = plane * cl.nW * nA;
          const lb = plane * nA * nL;
          const ls = g === 1 ? lYoung : lOld;
          for (let a = 0; a < nA; a++) {
            const w = wb[nb * nA + a];
            if (w !== 0) for (let l = 0; l < nL; l++) ls[l] += w * ll[lb + a * nL + l];
          }
          nb++;
        }
      }
      if (nb === 0) continue;
      const s = g === 1 ? sYoung : sOld;
      for (let i = lo; i <= hi; i++) {
        let acc = 0;
        for (let q = 0; q < nb; q++) {
          const base = blockBase[q] + i * nA;
          const wq = q * nA;
          for (let a = 0; a < nA; a++) acc += wb[wq + a] * cont[base + a];
        }
        s[i] += acc;
      }
    }
    for (let l = 0; l < nL; l++) {
      const k = cl.lineKappa[l];
      const dBc = avBc !== 0 ? Math.exp(avBc * k) : 1;
      lineLum[l] = Math.exp(av * k) * (lOld[l] + dBc * lYoung[l]);
    }
  };
}
