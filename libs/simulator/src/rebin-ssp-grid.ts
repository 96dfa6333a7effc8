import type { SspGrid } from './ssp-grid.js';

/**
 * Flux-conserving rebinning of an SSP grid onto a log-uniform wavelength grid of resolution R = λ/Δλ (the SpectRes
 * scheme, Carnall 2017, arXiv:1705.05165: each new bin holds the mean of L_λ over its extent, the old bins weighted
 * by their overlap; old bin edges are the geometric midpoints between centres). New edges are a subset of the native
 * edges (no native bin is split; where native bins are wider than λ/R they are kept), and one edge is placed at the
 * first native edge ≥ `keepEdgeAngstrom` (default 912 Å: the Lyman limit, below which nebular runs zero L_λ).
 * Photometry through broad and medium bands changes by ≪ 0.01 mag at R ≥ 100 (measured in rebin-ssp-grid.int.test.ts).
 */
export function rebinSspGrid(grid: SspGrid, resolution: number, fromAngstrom = 0, keepEdgeAngstrom = 912): SspGrid {
  const wl = grid.wavelengthAngstrom;
  const nW = wl.length;
  const oldEdges = binEdges(wl);
  // new edges: log-uniform steps of 1/R, never finer than the native grid, one at the Lyman limit
  const edges: number[] = [oldEdges[0]];
  const step = Math.log(1 + 1 / resolution);
  let i = 1;
  while (i <= nW) {
    const last = edges[edges.length - 1];
    let target = last * Math.exp(step);
    if (last < keepEdgeAngstrom && target > keepEdgeAngstrom) target = keepEdgeAngstrom;
    if (last < fromAngstrom) target = last; // native bins below fromAngstrom
    // advance to the first native edge ≥ target (keeps native edges: no bin is split, so no extrapolation)
    while (i < nW && oldEdges[i] < target) i++;
    edges.push(oldEdges[i]);
    i++;
  }
  const nNew = edges.length - 1;
  const centres = new Float64Array(nNew);
  // map each new bin to the native bins it contains (edges are a subset of the native edges)
  const start = new Int32Array(nNew + 1);
  let k = 0;
  for (let b = 0; b <= nNew; b++) {
    while (oldEdges[k] < edges[b]) k++;
    start[b] = k;
  }
  for (let b = 0; b < nNew; b++) centres[b] = Math.sqrt(edges[b] * edges[b + 1]);
  const nSsp = grid.metallicityLogZsol.length * grid.ageGyr.length;
  const out = new Float64Array(nSsp * nNew);
  const width = Float64Array.from({ length: nW }, (_, j) => oldEdges[j + 1] - oldEdges[j]);
  for (let s = 0; s < nSsp; s++) {
    const src = s * nW;
    for (let b = 0; b < nNew; b++) {
      let acc = 0;
      for (let j = start[b]; j < start[b + 1]; j++) acc += grid.lLambda[src + j] * width[j];
      out[s * nNew + b] = acc / (edges[b + 1] - edges[b]);
    }
  }
  return { ...grid, name: `${grid.name}-R${resolution}`, wavelengthAngstrom: centres, lLambda: out };
}

/** Bin edges of a grid of centres: geometric midpoints, the ends extended by half the neighbouring ratio. */
function binEdges(c: Float64Array): Float64Array {
  const n = c.length;
  const e = new Float64Array(n + 1);
  for (let j = 1; j < n; j++) e[j] = Math.sqrt(c[j - 1] * c[j]);
  e[0] = (c[0] * c[0]) / e[1];
  e[n] = (c[n - 1] * c[n - 1]) / e[n - 1];
  return e;
}

/**
 * Thin the age axis of an SSP grid: keep an age when it is at least `minLogStepDex` (in log10 age) after the last kept
 * one (the first and last ages are always kept). Each kept SSP then stands for the SFH integrated over its (wider) age
 * bin (`sspAgeBinEdges`: geometric midpoints), the scheme any tabulated grid uses at its own spacing.
 */
export function thinSspAges(grid: SspGrid, minLogStepDex: number): SspGrid {
  const a = grid.ageGyr;
  const nA = a.length;
  const keep: number[] = [0];
  for (let j = 1; j < nA - 1; j++) if (Math.log10(a[j] / a[keep[keep.length - 1]]) >= minLogStepDex - 1e-9) keep.push(j);
  keep.push(nA - 1);
  const nZ = grid.metallicityLogZsol.length;
  const nW = grid.wavelengthAngstrom.length;
  const nK = keep.length;
  const lLambda = new Float64Array(nZ * nK * nW);
  const surv = new Float64Array(nZ * nK);
  for (let k = 0; k < nZ; k++) {
    keep.forEach((j, jj) => {
      lLambda.set(grid.lLambda.subarray((k * nA + j) * nW, (k * nA + j + 1) * nW), (k * nK + jj) * nW);
      surv[k * nK + jj] = grid.survivingMassFraction[k * nA + j];
    });
  }
  return { ...grid, name: `${grid.name}-age${minLogStepDex}`, ageGyr: Float64Array.from(keep, (j) => a[j]), lLambda, survivingMassFraction: surv };
}
