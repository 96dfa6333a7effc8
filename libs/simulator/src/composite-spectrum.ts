import { attenuateComposite } from './attenuate-composite.js';
import { clampedBracket, type CloudyOnSsp } from './cloudy-nebular.js';
import { PHYS } from './constants.js';
import { nebularMetallicityBracket } from './nebular-metallicity-bracket.js';
import type { NebularTables } from './nebular-tables.js';
import { metallicityBracket, type SspGrid } from './ssp-grid.js';
import { createSfhMassGroups, sfhMassGroups } from './sfh-mass-groups.js';
import { sspAgePrefixSums } from './ssp-age-prefix-sums.js';

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
  /** The (ionising-absorbed when nebular) SSP spectra L_λ per M☉ formed, [Z][age][λ] as `SspGrid.lLambda`. */
  lLambda: Float64Array;
  /** Q(H) per SSP [nZ][nAge] (zeros without nebular emission). */
  qH: Float64Array;
  /** `youngSspCount`: ages [0, nYoung) are young. */
  nYoung: number;
  /** `calzettiExponent` on the SSP grid. */
  kappa: Float64Array;
  nebular?: CompositeNebular;
  /** Cloudy nebular emission per M☉ formed of the SSPs [0, cloudy.nNeb) (instead of `nebular`). */
  cloudy?: CloudyOnSsp;
  /**
   * Relative tolerance η per SSP of the SFH runs (`sfhMassGroups`): the stellar L_λ is within a factor 1 ± η of
   * Σ_j m_j L_j at every λ (default `SFH_RUN_TOLERANCE`); 0 = exact runs only.
   */
  sfhRunTolerance?: number;
}

/**
 * Default η of the SFH runs: |Δmag| ≤ 1.086 η = 1.1e-3 mag by construction in every band, measured far below that
 * (docs/decisions/0007-simulator-speed.md).
 */
export const SFH_RUN_TOLERANCE = 1e-3;

export interface CompositeSpectrum {
  /** Rest-frame L_λ [erg/s/Å], valid over the last computed [lo, hi]. */
  spec: Float64Array;
  /** Emission-line luminosities [erg/s] of the last call (length max(1, nLine)). */
  lineLum: Float64Array;
  /** Composite of p over rest indices [lo, hi] into `spec` and `lineLum`; returns Q(H) [photons/s]. */
  compute(p: SedParams, lo: number, hi: number): number;
}

/**
 * Composite stellar population L_λ = Σ_j m_j L_j (summed over runs of SSPs with a linear SFR, `sfhMassGroups`, from
 * prefix sums over age, `sspAgePrefixSums`), split into old and young groups; Calzetti (2000) dust per group
 * (`attenuateComposite`); nebular continuum and lines from Q(H) (case B L(Hβ) = 4.757e-13 Q(H), line ratios of
 * the nebular tables interpolated in log Z). Metallicity interpolated linearly between the two bracketing SSPs.
 */
export function createCompositeSpectrum(inp: CompositeSpectrumInputs): CompositeSpectrum {
  const { grid, qH, nYoung, kappa } = inp;
  const nA = grid.ageGyr.length;
  const nW = grid.wavelengthAngstrom.length;
  const neb = inp.nebular;
  const cl = inp.cloudy;
  if (neb && cl) throw new RangeError('createCompositeSpectrum: give either CIGALE `nebular` or `cloudy`, not both');
  const eta = inp.sfhRunTolerance ?? SFH_RUN_TOLERANCE;
  if (!(eta >= 0 && eta < 1)) throw new RangeError(`createCompositeSpectrum: sfhRunTolerance must be in [0, 1), got ${eta}`);
  const nLine = neb ? neb.tables.lineWavelengthAngstrom.length : cl ? cl.lineWavelengthAngstrom.length : 0;
  const cloudyAdd = cl && createCloudyAdder(cl, nYoung);
  const prefix = sspAgePrefixSums(grid, inp.lLambda);
  const { c0, c1 } = prefix;
  const runs = createSfhMassGroups(nA);
  const sOld = new Float64Array(nW);
  const sYoung = new Float64Array(nW);
  const spec = new Float64Array(nW);
  const lineLum = new Float64Array(Math.max(1, nLine));
  const m = new Float64Array(nA);
  const m0 = new Float64Array(nA);
  const m1 = new Float64Array(nA);
  // per prefix boundary J: coefficients of C0[J], C1[J] for the old and young sums
  const cOld0 = new Float64Array(nA + 1);
  const cOld1 = new Float64Array(nA + 1);
  const cYoung0 = new Float64Array(nA + 1);
  const cYoung1 = new Float64Array(nA + 1);
  const touched = new Int32Array(2 * nA + 2);

  /** s[i] += Σ_J a_J C0[k][J][i] + b_J C1[k][J][i] over the touched boundaries, for slots k0 (× f0) and k1 (× f1). */
  const addBoundaries = (nT: number, ca: Float64Array, cb: Float64Array, k0: number, f0: number, k1: number, f1: number, lo: number, hi: number, s: Float64Array): void => {
    for (let t = 0; t < nT; t++) {
      const J = touched[t];
      const a = ca[J];
      const b = cb[J];
      if (a === 0 && b === 0) continue;
      const r0 = (k0 * (nA + 1) + J) * nW;
      const a0 = a * f0;
      if (f1 !== 0) {
        const r1 = (k1 * (nA + 1) + J) * nW;
        const a1 = a * f1;
        if (b !== 0) {
          const b0 = b * f0;
          const b1 = b * f1;
          for (let i = lo; i <= hi; i++) s[i] += a0 * c0[r0 + i] + b0 * c1[r0 + i] + a1 * c0[r1 + i] + b1 * c1[r1 + i];
        } else {
          for (let i = lo; i <= hi; i++) s[i] += a0 * c0[r0 + i] + a1 * c0[r1 + i];
        }
      } else if (b !== 0) {
        const b0 = b * f0;
        for (let i = lo; i <= hi; i++) s[i] += a0 * c0[r0 + i] + b0 * c1[r0 + i];
      } else {
        for (let i = lo; i <= hi; i++) s[i] += a0 * c0[r0 + i];
      }
    }
  };

  const compute = (p: SedParams, lo: number, hi: number): number => {
    const { i0: k0, i1: k1, w1 } = metallicityBracket(grid, p.logZsol);
    const { jLo, jHi, qOld, qYoung } = splitSspMasses(p.sspMassFormedMsun, w1, qH, k0, k1, nYoung, m, m0, m1);
    const av = p.avMag;
    const avBc = p.avBirthCloudExtraMag ?? 0;
    // young and old SSPs need separate sums only when their dust differs
    const split = avBc !== 0 ? nYoung : jLo;
    sfhMassGroups(m, jLo, jHi, split, prefix.binWidthGyr, prefix.binMomentGyr2, eta, runs);
    let nT = 0;
    for (let g = 0; g < runs.n; g++) {
      const s = runs.start[g];
      const e = runs.end[g];
      const young = split > jLo && e <= nYoung;
      const ca = young ? cYoung0 : cOld0;
      const cb = young ? cYoung1 : cOld1;
      ca[e] += runs.alpha[g];
      ca[s] -= runs.alpha[g];
      cb[e] += runs.beta[g];
      cb[s] -= runs.beta[g];
      if (nT === 0 || touched[nT - 1] !== s) touched[nT++] = s;
      touched[nT++] = e;
    }
    sOld.fill(0, lo, hi + 1);
    sYoung.fill(0, lo, hi + 1);
    const f1 = w1 !== 0 ? w1 : 0;
    addBoundaries(nT, cOld0, cOld1, k0, 1 - w1, k1, f1, lo, hi, sOld);
    if (split > jLo) addBoundaries(nT, cYoung0, cYoung1, k0, 1 - w1, k1, f1, lo, hi, sYoung);
    for (let t = 0; t < nT; t++) {
      const J = touched[t];
      cOld0[J] = cOld1[J] = cYoung0[J] = cYoung1[J] = 0;
    }
    if (neb) {
      const { t0, t1, u } = nebularMetallicityBracket(neb.tables.metallicityZ, grid.zSolar, p.logZsol);
      const n0 = neb.continuum[t0];
      const n1 = neb.continuum[t1];
      for (let i = lo; i <= hi; i++) {
        const c = n0[i] * (1 - u) + n1[i] * u;
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
 * Split formed masses m_j between the bracketing metallicities (m0 = m (1 − w1), m1 = m w1; non-positive masses → 0,
 * also in the copy `m`)
 * and sum Q(H) of the young (j < nYoung) and old SSPs. Returns the occupied age range [jLo, jHi).
 */
function splitSspMasses(
  mIn: ArrayLike<number>,
  w1: number,
  qH: Float64Array,
  k0: number,
  k1: number,
  nYoung: number,
  m: Float64Array,
  m0: Float64Array,
  m1: Float64Array,
): { jLo: number; jHi: number; qOld: number; qYoung: number } {
  const nA = m0.length;
  let qOld = 0;
  let qYoung = 0;
  let jLo = nA;
  let jHi = 0;
  for (let j = 0; j < nA; j++) {
    const mj = mIn[j];
    if (!(mj > 0)) {
      m[j] = 0;
      m0[j] = 0;
      m1[j] = 0;
      continue;
    }
    if (j < jLo) jLo = j;
    jHi = j + 1;
    m[j] = mj;
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
