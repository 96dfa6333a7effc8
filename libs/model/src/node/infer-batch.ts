import { createPrng, fillNormal, ModelMismatchError } from '@pixsed/core/numeric';
import { posteriorSummary, SUMMARY_STATS, type PosteriorSummary } from '../posterior-summary.js';
import { ppcRow } from '../ppc-statistic.js';

/**
 * The work of one batch of PosteriorModel.infer after its features and flags: keyed noise, the sampler run, the
 * summaries, the kept samples and the posterior-predictive check (ADR 0013). It runs in infer()'s worker threads (the
 * worker imports this module's built copy, dist/node/infer-batch.js), so that it overlaps the main thread's reading,
 * feature building and writing, and a batch's full samples never cross threads; it runs on the main thread too
 * (`OnnxSampler.runner` as `run`), the same code, for the tests' serial reference. Pure: no onnxruntime import here,
 * the caller's `run` executes a graph.
 */

/** Runs a graph on float32 inputs and returns one output (a worker's session, or OnnxSampler.runner on the main thread). */
export type GraphRunner = (feeds: Record<string, { data: Float32Array; dims: number[] }>, output: string) => Promise<{ data: Float32Array; dims: readonly number[] }>;

/** Everything a batch's result depends on (rows r0 … r0+m−1 of an infer() call). */
export interface InferBatchRequest {
  /** The sampler file, named in errors. */
  file: string;
  featuresInput: string;
  noiseInput: string;
  output: string;
  /** Rows, samples per row, parameters. */
  m: number;
  S: number;
  D: number;
  /**
   * The sampler call's feature rows [rows, nf] with `samplesPerRow` samples each: m rows × S samples, or with a z per
   * block of samples (InferTable.zSamples) m·K rows × S/K samples; either way the noise is the rows' [m, S, D].
   */
  features: Float32Array;
  rows: number;
  nf: number;
  samplesPerRow: number;
  /** Per row: the seed of its noise stream (`keyedSeed(seed, key…)`): its S·D standard normals are fillNormal(createPrng(seed)). */
  seeds: Int32Array;
  /** Per row: 1 = no redshift (NO_REDSHIFT): its samples and summaries are NaN and it gets no check. */
  noZ: Uint8Array;
  /** Parameter indices whose samples come back (`kept`). */
  kept: number[];
  /** The posterior-predictive check (PosteriorModel's emulator session as `runEmulator`). */
  ppc?: {
    file: string;
    inputNames: [string, string];
    outputName: string;
    /** Draws per row (the first ones of its samples). */
    draws: number;
    /** Bands. */
    B: number;
    /** Per row and draw [m, draws]: the z the draw was sampled at. */
    zs: Float32Array;
    /** Per row and band [m, B]: observed flux and 1σ in nJy (NaN, σ ≤ 0: band missing). */
    flux: Float64Array;
    err: Float64Array;
  };
}

export interface InferBatchResult {
  /** [D, 5, m]: per parameter (manifest order) the statistics in SUMMARY_STATS order, per row. */
  summaries: Float32Array;
  /** [kept.length, m, S]: the kept parameters' samples, row-major per parameter. */
  kept: Float32Array;
  /** Per row (present with `ppc`): ppcRow's χ², p-value (NaN without redshift) and bands. */
  chi2?: Float32Array;
  pValue?: Float32Array;
  nBands?: Float32Array;
}

/** A sampler run's inputs: features [n, nFeatures] and noise [n, s, dims], else a ModelMismatchError naming `file`. */
export function checkSamplerInputs(file: string, features: Float32Array, noise: Float32Array, n: number, nFeatures: number, s: number, dims: number): void {
  if (features.length !== n * nFeatures) throw new ModelMismatchError(`${file}: features have ${features.length} values, expected ${n}×${nFeatures}`);
  if (noise.length !== n * s * dims) throw new ModelMismatchError(`${file}: noise has ${noise.length} values, expected ${n}×${s}×${dims}`);
}

/** A sampler run's output `output` has shape [n, s, dims], else a ModelMismatchError naming `file`. */
export function checkSamplerOutput(file: string, output: string, shape: readonly number[], n: number, s: number, dims: number): void {
  if (shape.length !== 3 || shape[0] !== n || shape[1] !== s || shape[2] !== dims) {
    throw new ModelMismatchError(`${file}: output '${output}' has shape [${shape.join(', ')}], expected [${n}, ${s}, ${dims}]`);
  }
}

/** This thread's noise buffer, reused from batch to batch (the graph has read it when `run` resolves); `noiseBusy` while a batch uses it. */
let spareNoise = new Float32Array(0);
let noiseBusy = false;

/** One batch of infer(): see the module comment. Rows' results depend only on their own inputs and seeds. */
export async function inferBatch(req: InferBatchRequest, run: GraphRunner, runEmulator?: GraphRunner): Promise<InferBatchResult> {
  const { m, S, D } = req;
  const len = m * S * D;
  const own = noiseBusy; // a concurrent call (never in a worker, which runs one request at a time) takes its own buffer
  if (!own && spareNoise.length < len) spareNoise = new Float32Array(len);
  const noise = own ? new Float32Array(len) : spareNoise.subarray(0, len);
  if (!own) noiseBusy = true;
  let t: Awaited<ReturnType<GraphRunner>>;
  try {
    for (let i = 0; i < m; i++) fillNormal(createPrng(req.seeds[i]), noise.subarray(i * S * D, (i + 1) * S * D));
    checkSamplerInputs(req.file, req.features, noise, req.rows, req.nf, req.samplesPerRow, D);
    t = await run({ [req.featuresInput]: { data: req.features, dims: [req.rows, req.nf] }, [req.noiseInput]: { data: noise, dims: [req.rows, req.samplesPerRow, D] } }, req.output);
  } finally {
    if (!own) noiseBusy = false;
  }
  checkSamplerOutput(req.file, req.output, t.dims, req.rows, req.samplesPerRow, D);
  const samples = t.data;
  for (let i = 0; i < m; i++) if (req.noZ[i]) samples.fill(NaN, i * S * D, (i + 1) * S * D);
  const summaries = new Float32Array(D * SUMMARY_STATS.length * m);
  for (let d = 0; d < D; d++) {
    const at = (j: number) => summaries.subarray((d * SUMMARY_STATS.length + j) * m, (d * SUMMARY_STATS.length + j + 1) * m);
    const out = Object.fromEntries(SUMMARY_STATS.map((s, j) => [s, at(j)])) as unknown as PosteriorSummary;
    posteriorSummary(samples, m, S, D, d, out, 0);
  }
  const kept = new Float32Array(req.kept.length * m * S);
  req.kept.forEach((d, j) => {
    const o = j * m * S;
    for (let i = 0; i < m; i++) for (let k = 0; k < S; k++) kept[o + i * S + k] = samples[(i * S + k) * D + d];
  });
  const result: InferBatchResult = { summaries, kept };
  if (req.ppc) Object.assign(result, await predictiveCheck(req, req.ppc, samples, runEmulator));
  return result;
}

/**
 * The posterior-predictive check of the batch: the emulated photometry [m·K, 2B] of each row's first K samples (at the
 * z each was sampled at), then ppcRow per row against its observed fluxes; rows without redshift keep NaN and 0 bands.
 */
async function predictiveCheck(req: InferBatchRequest, ppc: NonNullable<InferBatchRequest['ppc']>, samples: Float32Array, runEmulator?: GraphRunner): Promise<Required<Pick<InferBatchResult, 'chi2' | 'pValue' | 'nBands'>>> {
  if (!runEmulator) throw new ModelMismatchError(`${ppc.file}: a posterior-predictive check was asked for without an emulator session`);
  const { m, S, D } = req;
  const K = ppc.draws;
  const B = ppc.B;
  const params = new Float32Array(m * K * D);
  for (let i = 0; i < m; i++) params.set(samples.subarray(i * S * D, (i * S + K) * D), i * K * D);
  const t = await runEmulator({ [ppc.inputNames[0]]: { data: params, dims: [m * K, D] }, [ppc.inputNames[1]]: { data: ppc.zs, dims: [m * K] } }, ppc.outputName);
  if (t.dims.length !== 2 || t.dims[0] !== m * K || t.dims[1] !== 2 * B) {
    throw new ModelMismatchError(`${ppc.file}: output '${ppc.outputName}' has shape [${t.dims.join(', ')}], expected [${m * K}, ${2 * B}]`);
  }
  const chi2 = new Float32Array(m).fill(NaN);
  const pValue = new Float32Array(m).fill(NaN);
  const nBands = new Float32Array(m);
  const scratch = new Float64Array(K);
  for (let i = 0; i < m; i++) {
    if (req.noZ[i]) continue;
    const r = ppcRow(t.data, i * K, K, ppc.flux.subarray(i * B, (i + 1) * B), ppc.err.subarray(i * B, (i + 1) * B), scratch);
    chi2[i] = r.chi2;
    pValue[i] = r.pValue;
    nBands[i] = r.nBands;
  }
  return { chi2, pValue, nBands };
}

/** The buffers of a result (moved, not copied, from a worker). */
export function resultBuffers(r: InferBatchResult): ArrayBuffer[] {
  return [r.summaries, r.kept, r.chi2, r.pValue, r.nBands].filter((a): a is Float32Array => a !== undefined).map((a) => a.buffer as ArrayBuffer);
}
