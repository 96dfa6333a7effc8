import { ModelMismatchError, createPrng, meanSnr, parseConfig } from '@pixsed/core';
import { PosteriorModel } from '@pixsed/model/node';
import { spsLabel } from '@pixsed/model';
import { z } from 'zod';
import { calibratePosterior, type CalibrationPoints, type CalibrationReport } from '../calibrate-posterior.js';

/** `pixsed validate`'s row selection: mean S/N over F277W, F356W, F444W > 5 (Iglesias-Navarro et al. 2025). */
export const DEFAULT_SNR_SELECTION = { snrBands: ['f277w', 'f356w', 'f444w'], minMeanSnr: 5 };

/** Options of `validateModel` (zod; defaults = the paper's selection and 500 samples per object). */
export const validateModelOptionsSchema = z.object({
  modelPath: z.string().min(1),
  samples: z.number().int().min(2).default(500),
  seed: z.number().int().default(0),
  selection: z
    .object({
      /** Mean S/N over these bands (present bands only) must exceed `minMeanSnr` (Iglesias-Navarro et al. 2025: F277W, F356W, F444W > 5). */
      snrBands: z.array(z.string()).default(() => [...DEFAULT_SNR_SELECTION.snrBands]),
      minMeanSnr: z.number().default(DEFAULT_SNR_SELECTION.minMeanSnr),
      /** Optional upper end of a S/N bin (rows with mean S/N > maxMeanSnr are left out, counted in nFailedSnr). */
      maxMeanSnr: z.number().optional(),
    })
    .default(() => ({ snrBands: [...DEFAULT_SNR_SELECTION.snrBands], minMeanSnr: DEFAULT_SNR_SELECTION.minMeanSnr })),
  sbcBins: z.number().int().min(2).default(20),
  alphaBins: z.number().int().min(2).default(100),
  threads: z.number().int().min(1).default(4),
});
export type ValidateModelOptions = z.input<typeof validateModelOptionsSchema> & {
  /** Mock objects with truths: parameter columns named as the model's parameters, `z`, flux_<band>_njy, flux_<band>_err_njy. */
  catalog: { n: number; columns: Record<string, ArrayLike<number>> };
  onProgress?: (stage: string, done: number, total: number) => void;
};

export interface ValidationReport extends CalibrationReport {
  model: { name: string; version: string; manifest: string; sps: string; bands: string[]; parameters: { name: string; unit: string }[] };
  selection: { snrBands: string[]; minMeanSnr: number; maxMeanSnr?: number; nTotal: number; nKept: number; nFailedSnr: number; nNonFiniteTruth: number };
  seconds: { sampling: number; metrics: number };
}

/** A mean-S/N bin over `snrBands`: minMeanSnr < S/N (≤ maxMeanSnr when given). */
export interface MockRowSelection {
  snrBands: string[];
  minMeanSnr: number;
  maxMeanSnr?: number;
}

/**
 * The rows `validateModel` keeps: mean S/N (`meanSnr`) in the bin, then every `truthColumns` value finite.
 * Counts the rows failing each test in that order.
 */
export function selectMockRows(
  columns: Record<string, ArrayLike<number>>,
  n: number,
  selection: MockRowSelection,
  truthColumns: string[],
): { keep: number[]; nFailedSnr: number; nNonFiniteTruth: number } {
  // mean S/N over the present snrBands (core's meanSnr, the snr-mask stage's rule)
  const snrCols = (suffix: string) => selection.snrBands.map((b) => columns[`flux_${b}${suffix}`]);
  const snr = meanSnr(snrCols('_njy'), snrCols('_err_njy'), n);
  const max = selection.maxMeanSnr ?? Infinity;
  const keep: number[] = [];
  let nFailedSnr = 0;
  let nNonFiniteTruth = 0;
  for (let i = 0; i < n; i++) {
    if (!(snr[i] > selection.minMeanSnr && snr[i] <= max)) nFailedSnr++;
    else if (!truthColumns.every((p) => Number.isFinite(columns[p][i]))) nNonFiniteTruth++;
    else keep.push(i);
  }
  return { keep, nFailedSnr, nNonFiniteTruth };
}

/**
 * Validate an amortised posterior on mocks with known truths: select rows by mean S/N, build the
 * model's features from the catalogue fluxes, draw `samples` posterior samples per object (seeded),
 * and compute `calibratePosterior` metrics per parameter plus the joint TARP.
 */
export async function validateModel(options: ValidateModelOptions): Promise<{ report: ValidationReport; points: CalibrationPoints[] }> {
  const opts = parseConfig(validateModelOptionsSchema, options, undefined, 'validateModel options');
  const { catalog } = options;
  const model = await PosteriorModel.load(opts.modelPath, { threads: opts.threads, batchRows: Math.max(1, Math.floor(262_144 / opts.samples)) });
  try {
    const names = model.parameters;
    const bands = model.bands;
    const needed = [
      ...names,
      'z',
      ...bands.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]),
      ...opts.selection.snrBands.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]),
    ];
    const missing = [...new Set(needed.filter((c) => !(c in catalog.columns)))];
    if (missing.length) throw new ModelMismatchError(`the mock catalogue lacks columns needed by model ${model.manifest.name} (${model.manifestFile}): ${missing.join(', ')}`);

    const { keep, nFailedSnr, nNonFiniteTruth } = selectMockRows(catalog.columns, catalog.n, opts.selection, names);
    const n = keep.length;
    if (n < 2) throw new ModelMismatchError(`only ${n} of ${catalog.n} mocks pass mean S/N > ${opts.selection.minMeanSnr} over ${opts.selection.snrBands.join(', ')}`);
    const pick = (c: string) => Float64Array.from(keep, (i) => catalog.columns[c][i]);
    const truth = names.map(pick);
    const flux = bands.map((b) => pick(`flux_${b}_njy`));
    const err = bands.map((b) => pick(`flux_${b}_err_njy`));
    const feat = model.features(flux, err, pick('z'), n);

    const t0 = performance.now();
    const rng = createPrng(opts.seed);
    const s = opts.samples;
    const samples = new Float32Array(n * s * names.length);
    const chunk = 2048;
    for (let r0 = 0; r0 < n; r0 += chunk) {
      const r1 = Math.min(n, r0 + chunk);
      const part = await model.sample(feat.features.subarray(r0 * feat.nFeatures, r1 * feat.nFeatures), r1 - r0, s, rng);
      samples.set(part, r0 * s * names.length);
      options.onProgress?.('sampling', r1, n);
    }
    const t1 = performance.now();
    const { report, points } = calibratePosterior(samples, n, s, names, truth, { seed: opts.seed, sbcBins: opts.sbcBins, alphaBins: opts.alphaBins });
    const t2 = performance.now();
    return {
      report: {
        model: {
          name: model.manifest.name,
          version: model.manifest.version,
          manifest: model.manifestFile,
          sps: spsLabel(model.manifest),
          bands,
          parameters: model.manifest.parameters.map((p) => ({ name: p.name, unit: p.unit })),
        },
        selection: { ...opts.selection, nTotal: catalog.n, nKept: n, nFailedSnr, nNonFiniteTruth },
        ...report,
        seconds: { sampling: (t1 - t0) / 1000, metrics: (t2 - t1) / 1000 },
      },
      points,
    };
  } finally {
    await model.close();
  }
}
