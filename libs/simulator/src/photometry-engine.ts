import { PHYS } from './constants.js';
import { calzettiK, CALZETTI_RV } from './calzetti.js';
import type { Cosmology } from './cosmology.js';
import type { FilterCurve } from './filter-curve.js';
import { igmTransmissionInoue14 } from './igm-inoue14.js';
import { ionisingPhotonRate } from './ionising-photon-rate.js';
import type { NebularTables } from './nebular-tables.js';
import { metallicityBracket, type SspGrid } from './ssp-grid.js';

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
  /** SSPs younger than this are "young" (birth-cloud attenuation and nebular emission split), default 0.01 Gyr. */
  youngAgeGyr?: number;
}

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

interface NodeOp {
  lo: number;
  hi: number;
  start: Int32Array;
  weights: Float64Array[];
  lineBand: Int32Array;
  lineIndex: Int32Array;
  lineWeight: Float64Array;
}

export interface PhotometryEngine {
  bands: string[];
  grid: SspGrid;
  cosmology: Cosmology;
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
  const neb = opts.nebular !== false ? opts.nebularTables : undefined;
  const youngAge = opts.youngAgeGyr ?? 0.01;
  const nA = grid.ageGyr.length;
  const nZ = grid.metallicityLogZsol.length;
  const wl = grid.wavelengthAngstrom;
  const nW = wl.length;
  const nB = filters.length;
  const isYoung = Uint8Array.from(grid.ageGyr, (a) => (a < youngAge ? 1 : 0));

  // stellar spectra; with nebular emission all ionising photons are absorbed by gas (f_esc = 0)
  let lLambda = grid.lLambda;
  if (neb) {
    lLambda = Float64Array.from(grid.lLambda);
    for (let s = 0; s < nZ * nA; s++) for (let i = 0; i < nW && wl[i] < 912; i++) lLambda[s * nW + i] = 0;
  }
  const qH = neb ? ionisingPhotonRate(grid) : new Float64Array(nZ * nA);
  // -0.4 ln10 k(λ)/R_V: dust transmission = exp(A_V * kr)
  const kr = Float64Array.from(wl, (l) => (-0.4 * Math.LN10 * calzettiK(l)) / CALZETTI_RV);

  // nebular continuum per ionising photon on the SSP grid, per nebular-table metallicity
  const nebNz = neb ? neb.metallicityZ.length : 0;
  const nebCont: Float64Array[] = [];
  let nLine = 0;
  let lineKr = new Float64Array(0);
  if (neb) {
    nLine = neb.lineWavelengthAngstrom.length;
    lineKr = Float64Array.from(neb.lineWavelengthAngstrom, (l) => (-0.4 * Math.LN10 * calzettiK(l)) / CALZETTI_RV);
    const cw = neb.continuumWavelengthAngstrom;
    for (let t = 0; t < nebNz; t++) {
      const c = new Float64Array(nW);
      let j = 0;
      for (let i = 0; i < nW; i++) {
        const l = wl[i];
        while (j < cw.length - 2 && cw[j + 1] < l) j++;
        if (l < cw[0] || l > cw[cw.length - 1]) continue;
        const u = (l - cw[j]) / (cw[j + 1] - cw[j]);
        const v = neb.continuumPerHbeta[t * cw.length + j] * (1 - u) + neb.continuumPerHbeta[t * cw.length + j + 1] * u;
        c[i] = v * PHYS.hbetaErgPerIonisingPhoton;
      }
      nebCont.push(c);
    }
  }
  const nebBracket = (logZsol: number): { t0: number; t1: number; u: number } => {
    if (!neb) return { t0: 0, t1: 0, u: 0 };
    const lz = Math.log10(grid.zSolar) + logZsol;
    const mz = neb.metallicityZ;
    if (lz <= Math.log10(mz[0])) return { t0: 0, t1: 0, u: 0 };
    if (lz >= Math.log10(mz[nebNz - 1])) return { t0: nebNz - 1, t1: nebNz - 1, u: 0 };
    let t = 0;
    while (Math.log10(mz[t + 1]) < lz) t++;
    return { t0: t, t1: t + 1, u: (lz - Math.log10(mz[t])) / (Math.log10(mz[t + 1]) - Math.log10(mz[t])) };
  };

  // per-filter trapezoid weights (z independent) and normalisation ∫ (c/λ) T dλ
  const filt = filters.map((f) => {
    const w = f.wavelengthAngstrom;
    const t = f.throughput;
    const n = w.length;
    const c = new Float64Array(n);
    let den = 0;
    for (let i = 0; i < n; i++) {
      const left = i > 0 ? w[i] - w[i - 1] : 0;
      const right = i < n - 1 ? w[i + 1] - w[i] : 0;
      c[i] = 0.5 * (left + right);
      den += c[i] * (PHYS.cAngstromPerS / w[i]) * t[i];
    }
    // numerator weight per filter point: c λ T / den, converted to nJy
    const num = Float64Array.from(w, (l, i) => (c[i] * l * t[i]) / den / PHYS.njyCgs);
    // prefix sums Σ num and Σ num·λ: the resampling onto the rest grid then costs O(rest points) per node
    const s0 = new Float64Array(n + 1);
    const s1 = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) {
      s0[i + 1] = s0[i] + num[i];
      s1[i + 1] = s1[i] + num[i] * w[i];
    }
    return { w, t, num, den, s0, s1 };
  });

  // luminosity distance on the node grid (linear interpolation; relative error < 1e-6 for dz = 0.002)
  const nNodes = Math.round(zMax / dz) + 1;
  const dlTab = cosmology.luminosityDistanceCmGrid
    ? cosmology.luminosityDistanceCmGrid(dz, nNodes)
    : Float64Array.from({ length: nNodes }, (_, n) => cosmology.luminosityDistanceCm(n * dz));
  const nodes = new Map<number, NodeOp>();
  const igmRest = new Float64Array(nW);
  const igmStamp = new Int32Array(nW);
  const buildNode = (n: number): NodeOp => {
    const z = n * dz;
    const zp1 = 1 + z;
    const start = new Int32Array(nB);
    const weights: Float64Array[] = [];
    let lo = nW;
    let hi = -1;
    for (let b = 0; b < nB; b++) {
      const { w } = filt[b];
      // rest-frame index range touched by this filter
      const rFirst = w[0] / zp1;
      const rLast = w[w.length - 1] / zp1;
      // i0: last index with wl[i0 + 1] ≥ rFirst (≤ nW − 2); i1: first index ≥ i0 with wl[i1] ≥ rLast (≤ nW − 1)
      const i0 = Math.min(Math.max(lowerBound(wl, rFirst, 1) - 1, 0), nW - 2);
      const i1 = Math.min(lowerBound(wl, rLast, i0), nW - 1);
      const acc = new Float64Array(i1 - i0 + 1);
      // filter points with λ/(1+z) in (wl_j, wl_j+1] add num·(1−u) to j and num·u to j+1, u linear in λ:
      // Σ num·u = (Σ num·λ/(1+z) − wl_j Σ num)/(wl_j+1 − wl_j), from the prefix sums
      const { s0, s1 } = filt[b];
      let pA = i0 === 0 ? lowerBound(w, wl[0] * zp1, 0) : upperBound(w, wl[i0] * zp1, 0);
      for (let j = i0; j < i1; j++) {
        const pB = upperBound(w, wl[j + 1] * zp1, pA);
        if (pB > pA) {
          const sn = s0[pB] - s0[pA];
          const su = ((s1[pB] - s1[pA]) / zp1 - wl[j] * sn) / (wl[j + 1] - wl[j]);
          acc[j - i0] += sn - su;
          acc[j + 1 - i0] += su;
        }
        pA = pB;
      }
      if (useIgm && z > 0) {
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
    // emission lines: f_ν contribution = (L/(4π d_L²)) λ_obs T(λ_obs) / den = D(z) (1+z) L λ_obs T / den
    const lb: number[] = [];
    const li: number[] = [];
    const lw: number[] = [];
    if (neb) {
      for (let l = 0; l < nLine; l++) {
        const lo2 = neb.lineWavelengthAngstrom[l] * zp1;
        const igm = useIgm && z > 0 ? igmTransmissionInoue14(lo2, z) : 1;
        for (let b = 0; b < nB; b++) {
          const T = interp(filt[b].w, filt[b].t, lo2);
          if (T > 0) {
            lb.push(b);
            li.push(l);
            lw.push((zp1 * lo2 * T * igm) / filt[b].den / PHYS.njyCgs);
          }
        }
      }
    }
    return { lo, hi, start, weights, lineBand: Int32Array.from(lb), lineIndex: Int32Array.from(li), lineWeight: Float64Array.from(lw) };
  };
  const node = (n: number): NodeOp => {
    let op = nodes.get(n);
    if (!op) {
      op = buildNode(n);
      nodes.set(n, op);
    }
    return op;
  };

  const sOld = new Float64Array(nW);
  const sYoung = new Float64Array(nW);
  const spec = new Float64Array(nW);
  const lineLum = new Float64Array(Math.max(1, nLine));

  // SSP spectra transposed to [Z][λ][age] (contiguous in age): the composite at each λ is then a short dot product
  // with the per-object mass vector (no stores in the inner loop, zero-mass ages skipped by range).
  const lT = new Float64Array(nZ * nW * nA);
  for (let k = 0; k < nZ; k++)
    for (let j = 0; j < nA; j++) {
      const src = (k * nA + j) * nW;
      for (let i = 0; i < nW; i++) lT[(k * nW + i) * nA + j] = lLambda[src + i];
    }
  let nYoung = 0;
  while (nYoung < nA && isYoung[nYoung]) nYoung++;
  for (let j = nYoung; j < nA; j++) if (isYoung[j]) throw new RangeError('SSP ages must increase (young SSPs first)');
  const m0 = new Float64Array(nA);
  const m1 = new Float64Array(nA);

  /** Composite rest-frame spectrum over [lo, hi] into `spec`; emission-line luminosities into lineLum. Returns Q(H). */
  const composite = (p: SedParams, lo: number, hi: number): number => {
    const { i0: k0, i1: k1, w1 } = metallicityBracket(grid, p.logZsol);
    let qOld = 0;
    let qYoung = 0;
    const m = p.sspMassFormedMsun;
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
      if (isYoung[j]) qYoung += q;
      else qOld += q;
    }
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
      const { t0, t1, u } = nebBracket(p.logZsol);
      const c0 = nebCont[t0];
      const c1 = nebCont[t1];
      for (let i = lo; i <= hi; i++) {
        const c = c0[i] * (1 - u) + c1[i] * u;
        sOld[i] += qOld * c;
        sYoung[i] += qYoung * c;
      }
      const lr = neb.lineRatio;
      const hb = PHYS.hbetaErgPerIonisingPhoton;
      for (let l = 0; l < nLine; l++) {
        const ratio = lr[t0 * nLine + l] * (1 - u) + lr[t1 * nLine + l] * u;
        const k = lineKr[l];
        const dIsm = Math.exp(av * k);
        const dBc = avBc !== 0 ? Math.exp(avBc * k) : 1;
        lineLum[l] = ratio * hb * dIsm * (qOld + dBc * qYoung);
      }
    }
    if (avBc !== 0) {
      for (let i = lo; i <= hi; i++) spec[i] = Math.exp(av * kr[i]) * (sOld[i] + Math.exp(avBc * kr[i]) * sYoung[i]);
    } else if (av !== 0) {
      for (let i = lo; i <= hi; i++) spec[i] = Math.exp(av * kr[i]) * (sOld[i] + sYoung[i]);
    } else {
      for (let i = lo; i <= hi; i++) spec[i] = sOld[i] + sYoung[i];
    }
    return qOld + qYoung;
  };

  const applyNode = (op: NodeOp, out: Float64Array, scale: number): void => {
    for (let b = 0; b < nB; b++) {
      const w = op.weights[b];
      const s0 = op.start[b];
      let f = 0;
      for (let i = 0; i < w.length; i++) f += w[i] * spec[s0 + i];
      out[b] += scale * f;
    }
    const lw = op.lineWeight;
    for (let q = 0; q < lw.length; q++) out[op.lineBand[q]] += scale * lw[q] * lineLum[op.lineIndex[q]];
  };

  const checkZ = (z: number): void => {
    if (!(z > 0) || z > zMax) throw new RangeError(`redshift ${z} outside (0, ${zMax}] served by this photometry engine`);
  };

  return {
    bands: filters.map((f) => f.name),
    grid,
    cosmology,
    bandFluxesNjy(p, out) {
      checkZ(p.z);
      const o = out ?? new Float64Array(nB);
      o.fill(0);
      const x = p.z / dz;
      const n0 = Math.min(Math.floor(x), nNodes - 2);
      const u = x - n0;
      const op0 = node(n0);
      const op1 = node(n0 + 1);
      composite(p, Math.min(op0.lo, op1.lo), Math.max(op0.hi, op1.hi));
      const dl = dlTab[n0] * (1 - u) + dlTab[n0 + 1] * u;
      const dist = 1 / (4 * Math.PI * dl * dl * (1 + p.z));
      applyNode(op0, o, (1 - u) * dist);
      applyNode(op1, o, u * dist);
      return o;
    },
    restFrameSpectrum(p) {
      const q = composite(p, 0, nW - 1);
      const igmT = Float64Array.from(wl, (l) => (useIgm && p.z > 0 ? igmTransmissionInoue14(l * (1 + p.z), p.z) : 1));
      return {
        wavelengthAngstrom: wl,
        lLambda: Float64Array.from(spec),
        igmTransmission: igmT,
        lineWavelengthAngstrom: neb ? neb.lineWavelengthAngstrom : new Float64Array(0),
        lineLuminosityErgS: neb ? Float64Array.from(lineLum.subarray(0, nLine)) : new Float64Array(0),
        ionisingPhotonRate: q,
      };
    },
  };
}

function interp(x: Float64Array, y: Float64Array, v: number): number {
  const n = x.length;
  if (v < x[0] || v > x[n - 1]) return 0;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid;
    else hi = mid;
  }
  const u = (v - x[lo]) / (x[hi] - x[lo]);
  return y[lo] * (1 - u) + y[hi] * u;
}

/** First index ≥ from with x[index] ≥ v (x increasing). */
function lowerBound(x: Float64Array, v: number, from: number): number {
  let lo = from;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index ≥ from with x[index] > v (x increasing). */
function upperBound(x: Float64Array, v: number, from: number): number {
  let lo = from;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
