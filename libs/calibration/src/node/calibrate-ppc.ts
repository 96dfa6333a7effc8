import { createPrng, meanSnr, ModelMismatchError } from '@pixsed/core';
import { DEFAULT_PPC_DRAWS, PosteriorModel } from '@pixsed/model/node';
import { DEFAULT_SNR_SELECTION, selectMockRows } from './validate-model.js';
import type { MockCatalog } from './load-mocks.js';

/** Flagged fraction of a set of rows, overall and per mean-S/N bin. */
export interface FlagRate {
  n: number;
  rate: number;
  bySnr: { bin: string; n: number; rate: number }[];
}

/** What `pixsed ppc-calibrate` writes into the manifest's `ppc.calibration` (and prints). */
export interface PpcCalibration {
  draws: number;
  targetFalseFlagRate: number;
  /** PPC_POOR when ppc_pvalue < this: the target-rate quantile of the p-values of the calibration half. */
  pValueThreshold: number;
  mocks: string;
  selection: { snrBands: string[]; minMeanSnr: number; nTotal: number; nKept: number };
  nCalibration: number;
  /** Measured on the other half of the held-out mocks (never used to choose the threshold). */
  falseFlagRate: FlagRate;
  /** The same test rows with one band per row (chosen at random) scaled by `corruptionFactor`: how often the check fires. */
  corruptedFlagRate: FlagRate & { corruptionFactor: number };
  /** Mocks from other simulators (e.g. another SSP library): flagged fraction (out-of-distribution signal). */
  other: (FlagRate & { mocks: string })[];
  pValueQuantiles: { q: number; p: number }[];
}

export interface CalibratePpcOptions {
  modelPath: string;
  catalog: MockCatalog;
  /** Mocks drawn from other simulators, reported at the chosen threshold. */
  others?: MockCatalog[];
  draws?: number;
  /** Fraction of in-distribution rows flagged at the chosen threshold (default 0.01). */
  targetFalseFlagRate?: number;
  corruptionFactor?: number;
  seed?: number;
  threads?: number;
  maxRows?: number;
  onProgress?: (what: string, done: number, total: number) => void;
}

const SNR_BINS: [string, number, number][] = [
  ['5-10', 5, 10],
  ['10-30', 10, 30],
  ['>30', 30, Infinity],
];

function flagRate(p: ArrayLike<number>, snr: ArrayLike<number>, rows: number[], threshold: number): FlagRate {
  const count = (sel: number[]) => sel.filter((i) => p[i] < threshold).length;
  const valid = rows.filter((i) => Number.isFinite(p[i]));
  return {
    n: valid.length,
    rate: valid.length ? count(valid) / valid.length : NaN,
    bySnr: SNR_BINS.map(([bin, lo, hi]) => {
      const sel = valid.filter((i) => snr[i] > lo && snr[i] <= hi);
      return { bin, n: sel.length, rate: sel.length ? count(sel) / sel.length : NaN };
    }),
  };
}

/** Run the model's PPC (the production path, `PosteriorModel.infer`) on the mock rows passing the paper's S/N selection. */
async function ppcPValues(model: PosteriorModel, cat: MockCatalog, draws: number, seed: number, maxRows: number, scale?: { band: Int32Array; factor: number }, rowsIn?: number[]) {
  const bands = model.bands;
  const missing = [...bands.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]), 'z'].filter((c) => !(c in cat.columns));
  if (missing.length) throw new ModelMismatchError(`${cat.source}: the mock catalogue lacks columns needed by model ${model.manifest.name}: ${missing.join(', ')}`);
  const sel = rowsIn ? { keep: rowsIn } : selectMockRows(cat.columns, cat.n, DEFAULT_SNR_SELECTION, []);
  const keep = sel.keep.slice(0, maxRows);
  const n = keep.length;
  const flux = bands.map((b) => Float64Array.from(keep, (i) => cat.columns[`flux_${b}_njy`][i]));
  const err = bands.map((b) => Float64Array.from(keep, (i) => cat.columns[`flux_${b}_err_njy`][i]));
  if (scale) for (let r = 0; r < n; r++) flux[scale.band[r]][r] *= scale.factor;
  const z = Float64Array.from(keep, (i) => cat.columns.z[i]);
  const snrCols = (suffix: string) => DEFAULT_SNR_SELECTION.snrBands.map((b) => Float64Array.from(keep, (i) => cat.columns[`flux_${b}${suffix}`][i]));
  const snr = meanSnr(snrCols('_njy'), snrCols('_err_njy'), n);
  const r = await model.infer({ n, flux, err, z, key: [Float64Array.from(keep)] }, { samples: Math.max(2, draws), seed, ppcDraws: draws });
  if (!r.ppc) throw new ModelMismatchError(`model ${model.manifest.name} (${model.manifestFile}) has no PPC emulator (manifest 'ppc'): train one with tools/train/train.py --emulator-only`);
  return { keep, pValue: r.ppc.pValue, snr, flux };
}

/**
 * Choose the PPC_POOR threshold of a model on held-out mocks from its own simulator: the `targetFalseFlagRate`
 * quantile of the posterior-predictive p-values of one half of the rows (even positions), then measure the false-flag
 * rate on the other half, how often it fires when one band per row is off by `corruptionFactor`, and on other mocks.
 */
export async function calibratePpc(opts: CalibratePpcOptions): Promise<PpcCalibration> {
  const draws = opts.draws ?? DEFAULT_PPC_DRAWS;
  const alpha = opts.targetFalseFlagRate ?? 0.01;
  if (!(alpha > 0 && alpha < 0.5)) throw new RangeError(`targetFalseFlagRate: expected a fraction in (0, 0.5), got ${alpha}`);
  const factor = opts.corruptionFactor ?? 1.5;
  const seed = opts.seed ?? 0;
  const maxRows = opts.maxRows ?? 20_000;
  const model = await PosteriorModel.load(opts.modelPath, { threads: opts.threads ?? 2, batchRows: 256 });
  try {
    opts.onProgress?.('held-out mocks', 0, 1);
    const base = await ppcPValues(model, opts.catalog, draws, seed, maxRows);
    const n = base.keep.length;
    const calib = [...Array(n).keys()].filter((i) => i % 2 === 0 && Number.isFinite(base.pValue[i]));
    const test = [...Array(n).keys()].filter((i) => i % 2 === 1);
    if (calib.length < Math.ceil(10 / alpha)) {
      throw new ModelMismatchError(`${opts.catalog.source}: ${calib.length} calibration rows pass the S/N selection; at least ${Math.ceil(10 / alpha)} are needed for a ${alpha} quantile`);
    }
    const sorted = Float64Array.from(calib, (i) => base.pValue[i]).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    const threshold = at(alpha);
    // corrupted copies of the test rows: one present band per row scaled by `factor`
    const rng = createPrng(seed + 1);
    const testKeep = test.map((i) => base.keep[i]);
    const band = new Int32Array(testKeep.length);
    for (let r = 0; r < testKeep.length; r++) {
      const present = model.bands.map((_, b) => b).filter((b) => Number.isFinite(base.flux[b][test[r]]) && opts.catalog.columns[`flux_${model.bands[b]}_err_njy`][testKeep[r]] > 0);
      band[r] = present[Math.floor(rng.uniform() * present.length)] ?? 0;
    }
    opts.onProgress?.('corrupted mocks', 0, 1);
    const bad = await ppcPValues(model, opts.catalog, draws, seed, maxRows, { band, factor }, testKeep);
    const others = [];
    for (const o of opts.others ?? []) {
      opts.onProgress?.(`other mocks ${o.source}`, 0, 1);
      const r = await ppcPValues(model, o, draws, seed, maxRows);
      others.push({ mocks: o.source, ...flagRate(r.pValue, r.snr, [...r.pValue.keys()], threshold) });
    }
    return {
      draws,
      targetFalseFlagRate: alpha,
      pValueThreshold: threshold,
      mocks: opts.catalog.source,
      selection: { ...DEFAULT_SNR_SELECTION, nTotal: opts.catalog.n, nKept: n },
      nCalibration: calib.length,
      falseFlagRate: flagRate(base.pValue, base.snr, test, threshold),
      corruptedFlagRate: { corruptionFactor: factor, ...flagRate(bad.pValue, bad.snr, [...bad.pValue.keys()], threshold) },
      other: others,
      pValueQuantiles: [0.001, 0.01, 0.05, 0.16, 0.5, 0.84].map((q) => ({ q, p: at(q) })),
    };
  } finally {
    await model.close();
  }
}
