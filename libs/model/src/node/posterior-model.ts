import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { ConfigError, fillNormal, FLAG, keyedSeed, ModelMismatchError, parseConfig, sha256Hex, type Prng } from '@pixsed/core';
import { abMagFeatures, type AbMagFeatures } from '../ab-mag-features.js';
import { featureLayout, type FeatureLayout } from '../feature-layout.js';
import { modelManifestSchema, type ModelManifest } from '../model-manifest.js';
import { percentileSorted, SUMMARY_STATS, type PosteriorSummary } from '../posterior-summary.js';
import { AB_ZERO_POINT_NJY } from '../ab-mag-features.js';
import { checkSamplerInputs, checkSamplerOutput, checkThreads, OnnxSampler, readModelBytes } from './onnx-sampler.js';
import type { InferBatchRequest, InferBatchResult } from './infer-batch.js';
import { PpcEmulator } from './ppc-emulator.js';
import { OnnxWorker, type OnnxWorkerSession } from './onnx-worker.js';
import { onnxSessionOptions } from './onnx-session.js';
import { checkAgainst, NATIVE_CHECK_TOLERANCE, NativeAffineFlow, nativeIsa, nativeRefusal, packAffineFlow, packedLayout, readOnnxGraph, SAMPLER_KERNELS, type PackedAffineFlow, type SamplerKernel } from './affine-flow.js';
import { DEFAULT_BATCH_ROWS, DEFAULT_PPC_DRAWS, MAX_BATCH_ROWS, MAX_SAMPLES_PER_ROW, MAX_SAMPLING_BYTES_PER_CALL } from '../sampling-limits.js';

export interface PosteriorModelOptions {
  threads?: number;
  /** Rows per onnxruntime call (memory: rows × samples × parameters × 4 bytes). */
  batchRows?: number;
  /** Sampler worker threads of infer() and sample() (default: one per thread up to MAX_SAMPLER_WORKERS; `samplerWorkerPlan`). */
  workers?: number;
  /**
   * Which sampler runs the flow (ADR 0015): `auto` (default; the native kernel for an affine flow where it is built and
   * agrees with onnxruntime at load, else onnxruntime), `onnx`, or `native` (an error where it cannot run).
   * Default: the environment's PIXSED_SAMPLER_KERNEL, else `auto`.
   */
  kernel?: SamplerKernel;
}

/** How a loaded model samples: the kernel that runs, its instruction set, and why not native where it is onnxruntime. */
export interface SamplerKernelInfo {
  kernel: 'native' | 'onnx';
  /** The native kernel's instruction set (avx2, avx512). */
  isa?: string;
  /** Largest |native − onnxruntime| at load, relative to each value's distance from the parameter mean plus its std. */
  checkDifference?: number;
  /** Why onnxruntime runs (`auto` and the native kernel unavailable or refused), or that `onnx` was asked for. */
  reason?: string;
}

/** One line naming the kernel a model samples with, for logs and provenance, e.g. `native (avx512; load check 2.1e-6)`. */
export function describeKernel(info: SamplerKernelInfo): string {
  return info.kernel === 'native' ? `native (${info.isa}; load check ${info.checkDifference?.toExponential(1)})` : `onnxruntime (${info.reason})`;
}

/** The sampler kernel asked for: `kernel`, else PIXSED_SAMPLER_KERNEL, else auto; anything else is a ConfigError. */
export function samplerKernelOption(kernel?: string): SamplerKernel {
  const k = kernel ?? process.env.PIXSED_SAMPLER_KERNEL ?? 'auto';
  if (!(SAMPLER_KERNELS as readonly string[]).includes(k)) {
    throw new ConfigError(kernel === undefined ? 'PIXSED_SAMPLER_KERNEL' : undefined, [{ path: 'kernel', message: `expected one of ${SAMPLER_KERNELS.join(', ')}, got ${JSON.stringify(k)}` }], 'model options');
  }
  return k as SamplerKernel;
}

/** Find and validate the manifest of a model given its `.onnx`, its manifest, or its folder. */
export function loadManifest(path: string): { manifest: ModelManifest; manifestFile: string; onnxFile: string } {
  const p = resolve(path);
  const manifestFile = extname(p) === '.json' ? p : extname(p) === '.onnx' ? join(dirname(p), 'manifest.json') : join(p, 'manifest.json');
  if (!existsSync(manifestFile)) throw new ModelMismatchError(`model manifest not found: ${manifestFile} (a model is an .onnx file with manifest.json beside it)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new ConfigError(manifestFile, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }], 'model manifest');
  }
  const manifest = parseConfig(modelManifestSchema, raw, manifestFile, 'model manifest');
  const onnxFile = extname(p) === '.onnx' ? p : join(dirname(manifestFile), manifest.model);
  return { manifest, manifestFile, onnxFile };
}

/**
 * Refuse a sampling plan beyond the bounds: rows per call in [1, MAX_BATCH_ROWS], samples per row in [2, MAX_SAMPLES_PER_ROW] and
 * rows × samples × parameters × 4 bytes ≤ MAX_SAMPLING_BYTES_PER_CALL (2 GiB) per onnxruntime call.
 * `keys` names the config keys in the message (e.g. `samplesPerPixel`, `batchRows`).
 */
export function checkSamplingPlan(
  samples: number,
  batchRows: number,
  parameters: number,
  where: { file?: string; what?: string; samplesKey?: string; batchRowsKey?: string } = {},
): void {
  const sk = where.samplesKey ?? 'samples';
  const bk = where.batchRowsKey ?? 'batchRows';
  const issues = [];
  const rowsOk = Number.isInteger(batchRows) && batchRows >= 1 && batchRows <= MAX_BATCH_ROWS;
  if (!rowsOk) issues.push({ path: bk, message: `expected an integer from 1 to ${MAX_BATCH_ROWS}, got ${batchRows}` });
  if (!Number.isInteger(samples) || samples < 2 || samples > MAX_SAMPLES_PER_ROW) {
    issues.push({ path: sk, message: `expected an integer from 2 to ${MAX_SAMPLES_PER_ROW}, got ${samples}` });
  } else if (rowsOk) {
    const bytes = samples * batchRows * parameters * 4;
    if (bytes > MAX_SAMPLING_BYTES_PER_CALL) {
      issues.push({
        path: sk,
        message: `${sk} ${samples} × ${bk} ${batchRows} × ${parameters} parameters × 4 bytes = ${(bytes / 2 ** 30).toFixed(1)} GiB per onnxruntime call exceeds 2 GiB: lower ${sk} or ${bk}`,
      });
    }
  }
  if (issues.length) throw new ConfigError(where.file, issues, where.what ?? 'sampling options');
}


/** The rows `PosteriorModel.infer` reads: per model band (manifest order) flux and 1σ in nJy, z, and a stable key. */
export interface InferTable {
  n: number;
  /** Per model band, in `model.bands` order: flux and 1σ error in nJy (NaN, non-finite or σ ≤ 0 = band missing for that row). */
  flux: ArrayLike<number>[];
  err: ArrayLike<number>[];
  /** Per row redshift (NaN = none: NO_REDSHIFT). Required by a z-conditioned model; a photo-z model (`inferred z`) takes none. */
  z?: ArrayLike<number>;
  /**
   * Redshifts per block of samples [n × K] (row-major) for a z-conditioned model, K dividing the samples S: samples
   * k of row i are drawn conditioned on zSamples[i·K + ⌊k / (S/K)⌋] instead of z[i] (K = S: one z per sample; a pixel
   * marginalised over its galaxy's z posterior, `galaxyZPerSample`; ADR 0010). The conditioning network runs once per
   * z, so K < S costs less. `z` stays the row's z for flags and the support check.
   */
  zSamples?: Float32Array;
  /**
   * The row's stable key, one array per key part: row i's sampling noise comes from a PRNG seeded
   * by `keyedSeed(seed, key[0][i], key[1][i], …)`, so it depends on (seed, key) only, never on the
   * batch, tile or command. Pixels: [x, y] (mosaic coordinates); `pixsed infer`: [id column] or
   * [row index]; the galaxies sink: ['galaxy'], [id].
   */
  key: ArrayLike<number | string>[];
}

export interface InferOptions {
  samples: number;
  seed: number;
  /** Parameters whose samples are returned (`kept`). */
  keep?: string[];
  /**
   * Posterior draws per row (the first ones of its samples) for the posterior-predictive check when the model has a
   * PPC emulator (manifest `ppc`); 0 turns it off. Default DEFAULT_PPC_DRAWS, at most `samples`.
   */
  ppcDraws?: number;
}

/** Per-row posterior-predictive check (`ppcRow`): present when the model has an emulator and ppcDraws > 0. */
export interface PpcResult {
  draws: number;
  /** PPC_POOR when pValue < this (the manifest's calibrated `ppc.pValueThreshold`; absent: no flag is set). */
  pValueThreshold?: number;
  chi2: Float32Array;
  pValue: Float32Array;
  nBands: Float32Array;
}

export interface ParameterSummary extends PosteriorSummary {
  unit: string;
}

export interface InferResult {
  n: number;
  samples: number;
  /** Per parameter (manifest order): mean, std, p16, p50, p84 and the unit. */
  summaries: Record<string, ParameterSummary>;
  /** Per kept parameter: samples [n × samples], row-major. */
  kept: Record<string, Float32Array>;
  /** Per row: FLAG.MISSING_BAND | FLAG.NON_DETECTION | FLAG.OUT_OF_SUPPORT, and FLAG.NO_REDSHIFT for a non-finite z (its summaries and samples are NaN). */
  flags: Uint32Array;
  /** Rows carrying each flag. */
  counts: { MISSING_BAND: number; NON_DETECTION: number; OUT_OF_SUPPORT: number; NO_REDSHIFT: number; PPC_POOR: number };
  ppc?: PpcResult;
}

/** InferResult.counts with every flag at 0 (the one list of the flags infer() counts). */
export function emptyInferCounts(): InferResult['counts'] {
  return { MISSING_BAND: 0, NON_DETECTION: 0, OUT_OF_SUPPORT: 0, NO_REDSHIFT: 0, PPC_POOR: 0 };
}

/** The PPC output columns, their units and meanings, and the run-level facts (StreamInfo `inference.ppc`). */
export interface PpcColumns {
  info: { draws: number; emulatorSha256: string; pValueThreshold?: number };
  columns: { name: string; field: 'chi2' | 'pValue' | 'nBands'; unit: string; description: string }[];
}

/**
 * The posterior-predictive-check columns a model writes with `ppcDraws` draws out of `samples` (undefined when it has
 * no emulator or ppcDraws is 0): the one list the inference stage and `pixsed infer` write.
 */
export function ppcColumns(model: PosteriorModel, ppcDraws: number, samples: number): PpcColumns | undefined {
  const p = model.manifest.ppc;
  if (!model.ppcEmulator || !p || ppcDraws === 0) return undefined;
  const draws = Math.min(ppcDraws, samples);
  return {
    info: { draws, emulatorSha256: p.emulatorSha256, ...(p.pValueThreshold !== undefined ? { pValueThreshold: p.pValueThreshold } : {}) },
    columns: [
      { name: 'ppc_chi2', field: 'chi2', unit: '', description: `median over ${draws} posterior draws of χ² between the observed fluxes and the draws' emulated photometry (present bands)` },
      { name: 'ppc_pvalue', field: 'pValue', unit: '', description: 'posterior-predictive p-value of that χ² (Gelman, Meng & Stern 1996); PPC_POOR below the model\'s calibrated threshold' },
      { name: 'ppc_n_bands', field: 'nBands', unit: 'count', description: 'bands in the χ² (finite flux, finite σ > 0)' },
    ],
  };
}

/**
 * An amortised posterior: manifest + ONNX sampling graph (pinned by the manifest's sha256). Builds
 * features from fluxes per the manifest, flags rows outside the training support, and samples in
 * bounded batches with per-row seeded noise. The one inference path of the stage, `pixsed infer`
 * and the galaxies sink (`infer`).
 */
export class PosteriorModel {
  readonly layout: FeatureLayout;
  /** The sessions of infer() and sample() (sampler, PPC emulator) in worker threads, started by the first call; see `remoteSessions`. */
  private remote?: Promise<RemoteSessions[]>;
  private closed = false;
  /** The key of `sharedModels` this model is held under (opened by `PosteriorModel.shared`). */
  private sharedKey?: string;

  private constructor(
    readonly manifest: ModelManifest,
    readonly manifestFile: string,
    readonly onnxFile: string,
    /** sha256 of the ONNX file (equal to the manifest's `modelSha256`). */
    readonly sha256: string,
    private readonly sampler: OnnxSampler,
    readonly batchRows: number,
    /** The model's PPC emulator (manifest `ppc`), if it has one. */
    readonly ppcEmulator?: PpcEmulator,
    /** The ONNX file's bytes (checked against modelSha256), the cores and the worker count, for the worker sessions. */
    private readonly modelBytes?: Uint8Array,
    private readonly threads = 2,
    private readonly workers?: number,
    /** The kernel infer() and sample() run (`samplerKernel`) and, when native, its packed weights for the workers. */
    readonly kernelInfo: SamplerKernelInfo = { kernel: 'onnx', reason: 'not asked for' },
    private readonly native?: PackedAffineFlow,
  ) {
    this.layout = featureLayout(manifest);
  }

  static async load(path: string, opts: PosteriorModelOptions = {}): Promise<PosteriorModel> {
    return PosteriorModel.open(loadManifest(path), opts);
  }

  /** load() on a manifest already found and validated (`loadManifest`). */
  private static async open({ manifest, manifestFile, onnxFile }: ReturnType<typeof loadManifest>, opts: PosteriorModelOptions): Promise<PosteriorModel> {
    checkSamplingPlan(2, opts.batchRows ?? DEFAULT_BATCH_ROWS, 1, { what: 'model options' }); // batchRows 0 would loop forever
    checkThreads(opts.threads ?? 2);
    if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 1 && opts.workers <= MAX_SAMPLER_WORKERS)) {
      throw new ConfigError(undefined, [{ path: 'workers', message: `expected an integer from 1 to ${MAX_SAMPLER_WORKERS}, got ${opts.workers}` }], 'model options');
    }
    const bytes = readModelBytes(onnxFile);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== manifest.modelSha256) {
      throw new ModelMismatchError(
        `model file ${onnxFile} has sha256 ${sha256}, but its manifest ${manifestFile} pins modelSha256 ${manifest.modelSha256}: ` +
          'the ONNX file was replaced or the manifest belongs to another model',
      );
    }
    // a main-thread session at load: the graph and its input/output names are checked here, with named errors, before
    // any run; it never samples (infer() and sample() run on the worker sessions), so one intra-op thread
    const sampler = await OnnxSampler.open(
      onnxFile,
      { threads: 1, featuresInput: manifest.sampler.inputNames[0], noiseInput: manifest.sampler.inputNames[1], output: manifest.sampler.outputName },
      bytes,
    );
    let emulator: PpcEmulator | undefined;
    if (manifest.ppc) {
      const p = manifest.ppc;
      try {
        emulator = await PpcEmulator.open(join(dirname(manifestFile), p.emulator), { sha256: p.emulatorSha256, inputNames: p.inputNames, outputName: p.outputName, nBands: manifest.bands.length, manifestFile }, 1);
      } catch (e) {
        await sampler.close();
        throw e;
      }
    }
    let kernel: Awaited<ReturnType<typeof samplerKernel>>;
    try {
      kernel = await samplerKernel(samplerKernelOption(opts.kernel), manifest, onnxFile, bytes, sampler);
    } catch (e) {
      await Promise.all([sampler.close(), emulator?.close()]);
      throw e;
    }
    return new PosteriorModel(manifest, manifestFile, onnxFile, sha256, sampler, opts.batchRows ?? DEFAULT_BATCH_ROWS, emulator, bytes, opts.threads ?? 2, opts.workers, kernel.info, kernel.packed);
  }

  /**
   * The model at `path` with these options, shared within the process: one load (sessions, worker threads, memory)
   * for every holder asking for the same ONNX file (real path) with the same threads, batchRows and workers, e.g. a
   * pipeline's inference stage and its galaxies sink. Each holder calls close() once; the sessions close with the
   * last. A failed load is not kept (the next call tries again).
   */
  static async shared(path: string, opts: PosteriorModelOptions = {}): Promise<PosteriorModel> {
    const found = loadManifest(path);
    const file = existsSync(found.onnxFile) ? realpathSync(found.onnxFile) : found.onnxFile; // a missing file: open() reports it
    const key = JSON.stringify([file, opts.threads ?? 2, opts.batchRows ?? DEFAULT_BATCH_ROWS, opts.workers ?? null, samplerKernelOption(opts.kernel)]);
    let held = sharedModels.get(key);
    if (!held) {
      const model = PosteriorModel.open(found, opts).then((m) => {
        m.sharedKey = key;
        return m;
      });
      held = { model, holders: 0 };
      sharedModels.set(key, held);
      model.catch(() => sharedModels.delete(key));
    }
    held.holders++;
    return held.model;
  }

  /**
   * Starts opening the worker sessions of infer() and sample() now, in the background (the first call opens them
   * otherwise), so that they open while the caller reads its input; a failure is reported by that first call.
   */
  start(): void {
    if (!this.closed) this.remoteSessions().catch(() => undefined);
  }

  get parameters(): string[] {
    return this.manifest.parameters.map((p) => p.name);
  }

  get bands(): string[] {
    return this.manifest.bands;
  }

  /** True for a photo-z model (manifest `redshift.role: parameter`): z is a parameter, `infer` takes no z. */
  get infersRedshift(): boolean {
    return this.manifest.redshift.role === 'parameter';
  }

  /** Refuse data whose bands differ from the model's (names the missing and extra bands). */
  checkBands(dataBands: string[], where: string): void {
    const missing = this.bands.filter((b) => !dataBands.includes(b));
    const extra = dataBands.filter((b) => !this.bands.includes(b));
    if (missing.length || extra.length) {
      throw new ModelMismatchError(
        `${where}: model ${this.manifest.name} v${this.manifest.version} (${this.manifestFile}) expects bands ${this.bands.join(', ')}; ` +
          `the data ${missing.length ? `lack ${missing.join(', ')}` : ''}${missing.length && extra.length ? ' and ' : ''}${extra.length ? `have extra ${extra.join(', ')}` : ''}`,
      );
    }
  }

  /**
   * Features per the manifest's ab-mag-err-z transform (its zero point, error factor and rules; 'ab-mag-err' without z
   * for a photo-z model, whose `z` is ignored); flux/err per model band, nJy.
   */
  features(flux: ArrayLike<number>[], err: ArrayLike<number>[], z: ArrayLike<number> | undefined, n: number): AbMagFeatures {
    const f = this.manifest.features;
    return abMagFeatures({
      flux,
      err,
      z,
      n,
      withZ: !this.infersRedshift,
      fillMag: f.missingBand.fillMag,
      fillMagErr: f.missingBand.fillMagErr,
      rule: { snrMin: f.nonDetection.snrMin, magErrNonDet: f.nonDetection.magErr, magClip: f.clip.mag, magZeroPoint: f.magZeroPoint, magErrFactor: f.magErrFactor },
    });
  }

  /**
   * 1 for rows whose magnitudes, errors or z lie outside the training set's range (flag
   * OUT_OF_SUPPORT); indicator features (nondet, missing) are not checked (`layout.supportChecked`).
   */
  outOfSupport(feat: AbMagFeatures, n: number): Uint8Array {
    const { min, max } = this.manifest.trainingRanges.features;
    const checked = this.layout.supportChecked;
    const out = new Uint8Array(n);
    const nf = feat.nFeatures;
    for (let i = 0; i < n; i++) {
      for (const j of checked) {
        const v = feat.features[i * nf + j];
        if (v < min[j] || v > max[j]) {
          out[i] = 1;
          break;
        }
      }
    }
    return out;
  }

  /**
   * Posterior samples [n, s, D] for features [n, F]; noise from one `rng`, drawn batch by batch in row order
   * (calibration's mock catalogues). The batches run on infer()'s worker sessions (`samplerWorkerPlan`), 2 per worker
   * in flight; the noise is drawn in the same order whatever the number of workers, so the samples are too.
   */
  async sample(features: Float32Array, n: number, s: number, rng: Prng): Promise<Float32Array> {
    const nf = this.manifest.features.count;
    const d = this.manifest.sampler.noiseDim;
    if (features.length !== n * nf) throw new ModelMismatchError(`${this.onnxFile}: features have ${features.length} values, expected ${n}×${nf}`);
    checkSamplingPlan(s, this.batchRows, d);
    const out = new Float32Array(n * s * d);
    if (n === 0) return out;
    const pool = await this.remoteSessions();
    const inFlight: Promise<void>[] = [];
    for (let r0 = 0, j = 0; r0 < n; r0 += this.batchRows, j++) {
      const r1 = Math.min(n, r0 + this.batchRows);
      const noise = fillNormal(rng, new Float32Array((r1 - r0) * s * d));
      const run = this.runSampler(pool[j % pool.length].sampler, features.subarray(r0 * nf, r1 * nf), noise, r1 - r0, nf, s, d, false).then(({ samples }) => out.set(samples, r0 * s * d));
      inFlight.push(handled(run));
      if (inFlight.length >= SAMPLER_RUNS_AHEAD * pool.length) await inFlight.shift();
    }
    try {
      for (const p of inFlight) await p;
    } finally {
      await Promise.allSettled(inFlight);
    }
    return out;
  }

  /**
   * The one inference path: features, flags (MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT),
   * posterior samples with per-row noise seeded from (seed, key), summaries per parameter and the
   * kept sample lists. A row's result depends only on its own inputs, the seed and its key, never
   * on how the rows are batched (batchRows) or which command runs it.
   */
  async infer(table: InferTable, opts: InferOptions): Promise<InferResult> {
    const { n } = table;
    const S = opts.samples;
    const params = this.parameters;
    const D = params.length;
    checkSamplingPlan(S, this.batchRows, D);
    const keep = opts.keep ?? [];
    for (const p of keep) if (!params.includes(p)) throw new ModelMismatchError(`model ${this.manifest.name} (${this.manifestFile}) has no parameter '${p}' to keep samples of (has ${params.join(', ')})`);
    if (table.flux.length !== this.bands.length || table.err.length !== this.bands.length) {
      throw new ModelMismatchError(`model ${this.manifest.name}: infer() needs flux and err for its ${this.bands.length} bands in manifest order, got ${table.flux.length} and ${table.err.length}`);
    }
    if (!table.key.length) throw new ModelMismatchError('infer(): a stable per-row key (e.g. [x, y] or [id]) is required to seed the noise');
    if (this.infersRedshift && table.z) throw new ModelMismatchError(`model ${this.manifest.name} (${this.manifestFile}) infers z (redshift.role 'parameter'): infer() takes no z`);
    if (!this.infersRedshift && !table.z) throw new ModelMismatchError(`model ${this.manifest.name} (${this.manifestFile}) is conditioned on z: infer() needs a z per row (NaN = none: NO_REDSHIFT)`);
    const zIn = table.z;
    const K = table.zSamples ? table.zSamples.length / Math.max(n, 1) : 0; // z values per row
    if (table.zSamples && (this.infersRedshift || !Number.isInteger(K) || K < 1 || S % K !== 0)) throw new ModelMismatchError(`infer(): zSamples needs a z-conditioned model and ${n} × K values with K dividing the ${S} samples, got ${table.zSamples.length}${this.infersRedshift ? ' for a photo-z model' : ''}`);
    const B0 = K ? S / K : S; // samples per z value
    const feat = this.features(table.flux, table.err, zIn, n);
    const oos = this.outOfSupport(feat, n);
    const flags = new Uint32Array(n);
    const counts = emptyInferCounts();
    for (let i = 0; i < n; i++) {
      const noZ = zIn !== undefined && !Number.isFinite(zIn[i]);
      const f = (feat.missing[i] ? FLAG.MISSING_BAND : 0) | (feat.nonDetected[i] ? FLAG.NON_DETECTION : 0) | (oos[i] ? FLAG.OUT_OF_SUPPORT : 0) | (noZ ? FLAG.NO_REDSHIFT : 0);
      flags[i] = f;
      if (noZ) counts.NO_REDSHIFT++;
      if (f & FLAG.MISSING_BAND) counts.MISSING_BAND++;
      if (f & FLAG.NON_DETECTION) counts.NON_DETECTION++;
      if (f & FLAG.OUT_OF_SUPPORT) counts.OUT_OF_SUPPORT++;
    }
    const summaries: Record<string, ParameterSummary> = {};
    params.forEach((p, d) => {
      const z = () => new Float32Array(n);
      summaries[p] = { mean: z(), std: z(), p16: z(), p50: z(), p84: z(), unit: this.manifest.parameters[d].unit };
    });
    const kept: Record<string, Float32Array> = Object.fromEntries(keep.map((p) => [p, new Float32Array(n * S)]));
    const nf = feat.nFeatures;
    const nKey = table.key.length;
    const keyParts: (number | string)[] = new Array(nKey);
    const ppc = this.ppcPlan(n, S, opts.ppcDraws);
    const pool = n > 0 ? await this.remoteSessions() : [];
    // Batch j runs on worker j mod P (inferBatch: keyed noise, sampler, summaries, kept samples, PPC), SAMPLER_RUNS_AHEAD
    // batches per worker queued ahead, so a worker has its next batch when one ends even if this thread is late with
    // its reading and writing; a batch's full samples never come back here. Each row's noise, samples and statistics
    // are those of a serial loop (bit-identical for any batch size and any number of workers).
    const { featuresInput, noiseInput, output } = this.sampler;
    const em = this.manifest.ppc;
    const B = this.bands.length;
    const keptIdx = keep.map((p) => params.indexOf(p));
    const launch = (r0: number, j: number): Promise<InferBatchResult> => {
      const r1 = Math.min(n, r0 + this.batchRows);
      const m = r1 - r0;
      const seeds = new Int32Array(m);
      const noZ = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        for (let k = 0; k < nKey; k++) keyParts[k] = table.key[k][r0 + i];
        seeds[i] = keyedSeed(opts.seed, ...keyParts);
        noZ[i] = flags[r0 + i] & FLAG.NO_REDSHIFT ? 1 : 0;
      }
      // z per block of B samples: each row's features repeated K times with z replaced, B samples each ([m·K, B, D] = the [m, S, D] noise)
      const features = table.zSamples ? perSampleZ(feat.features.subarray(r0 * nf, r1 * nf), nf, this.layout.z.offset, table.zSamples.subarray(r0 * K, r1 * K), K) : feat.features.slice(r0 * nf, r1 * nf);
      const request: InferBatchRequest = { file: this.onnxFile, featuresInput, noiseInput, output, m, S, D, features, rows: table.zSamples ? m * K : m, nf, samplesPerRow: B0, seeds, noZ, kept: keptIdx };
      if (ppc && em) request.ppc = { file: this.ppcEmulator!.file, inputNames: em.inputNames, outputName: em.outputName, draws: ppc.draws, B, ...this.predictiveInputs(table, r0, m, S, K, ppc.draws) };
      const w = pool[j % pool.length];
      const moved = [seeds, noZ, features, request.ppc?.zs, request.ppc?.flux, request.ppc?.err].filter((a) => a !== undefined).map((a) => a.buffer as ArrayBuffer);
      return handled(w.sampler.batch(request, w.emulator, moved));
    };
    const queued: Promise<InferBatchResult>[] = [];
    let launched = 0;
    const launchNext = () => {
      const r0 = launched * this.batchRows;
      if (r0 >= n) return;
      queued.push(launch(r0, launched++));
    };
    const nStats = SUMMARY_STATS.length;
    try {
      for (let k = 0; k < SAMPLER_RUNS_AHEAD * pool.length; k++) launchNext();
      for (let r0 = 0; r0 < n; r0 += this.batchRows) {
        const m = Math.min(n, r0 + this.batchRows) - r0;
        const r = await queued.shift()!;
        launchNext(); // while the workers run the batches queued before it
        params.forEach((p, d) => SUMMARY_STATS.forEach((st, j) => summaries[p][st].set(r.summaries.subarray((d * nStats + j) * m, (d * nStats + j + 1) * m), r0)));
        keep.forEach((p, j) => kept[p].set(r.kept.subarray(j * m * S, (j + 1) * m * S), r0 * S));
        if (ppc) {
          ppc.chi2.set(r.chi2!, r0);
          ppc.pValue.set(r.pValue!, r0);
          ppc.nBands.set(r.nBands!, r0);
          // compare the stored (float32) p-value: the flag agrees with the ppc_pvalue column
          if (ppc.pValueThreshold !== undefined) {
            for (let i = 0; i < m; i++) {
              if (ppc.pValue[r0 + i] < ppc.pValueThreshold) {
                flags[r0 + i] |= FLAG.PPC_POOR;
                counts.PPC_POOR++;
              }
            }
          }
        }
      }
    } finally {
      // an error mid-loop leaves no run behind unawaited (its own error, if any, is superseded)
      await Promise.allSettled(queued);
    }
    return { n, samples: S, summaries, kept, flags, counts, ...(ppc ? { ppc } : {}) };
  }

  /**
   * Posterior-predictive photometry (noiseless, from the PPC emulator): per model band, p16 / p50 / p84 in nJy of the
   * emulated flux over `k` parameter draws (`draws` [k, D] physical, manifest order) at redshift z. Undefined for a model
   * without an emulator. Used by the integrated-fit figure.
   */
  async predictedFluxes(draws: Float32Array, k: number, z: number): Promise<{ p16: number; p50: number; p84: number }[] | undefined> {
    if (!this.ppcEmulator || k < 1) return undefined;
    const D = this.parameters.length;
    const B = this.bands.length;
    const out = await this.ppcEmulator.predict(draws.subarray(0, k * D), new Float32Array(k).fill(z), k, D);
    return this.bands.map((_, b) => {
      const f = Float64Array.from({ length: k }, (_, i) => 10 ** (0.4 * (AB_ZERO_POINT_NJY - out[i * 2 * B + b]))).sort();
      return { p16: percentileSorted(f, 16), p50: percentileSorted(f, 50), p84: percentileSorted(f, 84) };
    });
  }

  /** The PPC result arrays for n rows, or undefined when the model has no emulator or `draws` is 0. */
  private ppcPlan(n: number, samples: number, draws = DEFAULT_PPC_DRAWS): PpcResult | undefined {
    if (!this.ppcEmulator || draws === 0) return undefined;
    if (!Number.isInteger(draws) || draws < 0) throw new ModelMismatchError(`ppcDraws: expected an integer ≥ 0, got ${draws}`);
    const k = Math.min(draws, samples);
    const nan = () => new Float32Array(n).fill(NaN);
    return { draws: k, pValueThreshold: this.manifest.ppc?.pValueThreshold, chi2: nan(), pValue: nan(), nBands: new Float32Array(n) };
  }

  /**
   * The sessions of infer() and sample(): the sampler graph (and PPC emulator) opened in the worker threads of
   * `samplerWorkerPlan` (OnnxWorker) by the first call, so that the JavaScript of neighbouring batches runs on this
   * thread while batches sample (onnxruntime-node runs a session synchronously on the thread that calls it).
   */
  private remoteSessions(): Promise<RemoteSessions[]> {
    if (this.closed) return Promise.reject(new ModelMismatchError(`model ${this.manifest.name} (${this.manifestFile}) is closed: infer() after close()`));
    this.remote ??= (async () => {
      const plan = samplerWorkerPlan(this.threads, this.workers);
      const started: OnnxWorker[] = [];
      try {
        // OnnxSampler's options, with intra-op threads that sleep between parallel sections (they share the cores with
        // this thread's JavaScript)
        const options = (threads: number) => onnxSessionOptions(threads, { sleeping: true });
        const p = this.manifest.ppc;
        let emulatorBytes: Uint8Array | undefined;
        if (this.ppcEmulator && p) {
          emulatorBytes = readModelBytes(this.ppcEmulator.file);
          const sha = sha256Hex(emulatorBytes);
          if (sha !== p.emulatorSha256) throw new ModelMismatchError(`PPC emulator ${this.ppcEmulator.file} has sha256 ${sha}, but ${this.manifestFile} pins ppc.emulatorSha256 ${p.emulatorSha256}: the emulator was replaced after the model was loaded`);
        }
        const bytes = this.modelBytes ?? readModelBytes(this.onnxFile);
        return await Promise.all(
          plan.map(async (intraOp) => {
            const worker = OnnxWorker.start();
            started.push(worker);
            const sampler = this.native
              ? await worker.nativeSession(this.onnxFile, this.native, this.kernelInfo.isa!, [this.sampler.featuresInput, this.sampler.noiseInput], this.sampler.output)
              : await worker.session(this.onnxFile, bytes, options(intraOp));
            const emulator = emulatorBytes && this.ppcEmulator ? await worker.session(this.ppcEmulator.file, emulatorBytes, options(1), 'ONNX emulator') : undefined;
            return { worker, sampler, emulator };
          }),
        );
      } catch (e) {
        await Promise.all(started.map((w) => w.close()));
        throw e;
      }
    })();
    return this.remote;
  }

  /**
   * Samples [n, s, dims] from a worker's sampler session (OnnxSampler.run's checks); `noise` (and features when
   * `moveFeatures`) are moved to the worker, and the noise buffer comes back for reuse.
   */
  private async runSampler(session: OnnxWorkerSession, features: Float32Array, noise: Float32Array, n: number, nf: number, s: number, dims: number, moveFeatures: boolean): Promise<{ samples: Float32Array; noise?: Float32Array }> {
    checkSamplerInputs(this.onnxFile, features, noise, n, nf, s, dims);
    const { featuresInput, noiseInput, output } = this.sampler;
    const t = await session.run({ [featuresInput]: { data: features, dims: [n, nf] }, [noiseInput]: { data: noise, dims: [n, s, dims] } }, output, moveFeatures ? [features, noise] : [noise]);
    checkSamplerOutput(this.onnxFile, output, t.dims, n, s, dims);
    return { samples: t.data, noise: t.back[noiseInput] };
  }

  /**
   * The posterior-predictive check's inputs of rows r0 … r0+m−1 (inferBatch's `ppc`): per row and draw the z its first
   * `draws` samples were drawn at (zSamples: its block's draw of the galaxy's z; `zK` z values per row), and the observed
   * fluxes and errors per band (nJy).
   */
  private predictiveInputs(table: InferTable, r0: number, m: number, S: number, zK: number, draws: number): { zs: Float32Array; flux: Float64Array; err: Float64Array } {
    const B = this.bands.length;
    const zs = new Float32Array(m * draws);
    const flux = new Float64Array(m * B);
    const err = new Float64Array(m * B);
    for (let i = 0; i < m; i++) {
      if (table.zSamples) for (let k = 0; k < draws; k++) zs[i * draws + k] = table.zSamples[(r0 + i) * zK + Math.floor(k / (S / zK))];
      else zs.fill(table.z ? table.z[r0 + i] : NaN, i * draws, (i + 1) * draws);
      for (let b = 0; b < B; b++) {
        flux[i * B + b] = table.flux[b][r0 + i];
        err[i * B + b] = table.err[b][r0 + i];
      }
    }
    return { zs, flux, err };
  }

  /** Releases the sessions (infer()'s worker after its runs in flight have settled); a later infer() is refused. */
  async close(): Promise<void> {
    if (this.sharedKey !== undefined) {
      const held = sharedModels.get(this.sharedKey);
      if (held && --held.holders > 0) return; // another holder still uses it
      sharedModels.delete(this.sharedKey);
    }
    this.closed = true;
    const pool = this.remote ? await this.remote.catch(() => undefined) : undefined;
    await Promise.all([this.sampler.close(), this.ppcEmulator?.close(), ...(pool ?? []).map((r) => r.worker.close())]);
  }
}

/** Models opened by `PosteriorModel.shared`, by ONNX file and options, with the number of holders of each. */
const sharedModels = new Map<string, { model: Promise<PosteriorModel>; holders: number }>();

/** Sampler runs infer() keeps queued per worker (2: the next one is there when one ends, even if this thread is late). */
const SAMPLER_RUNS_AHEAD = 2;

/** One of infer()'s worker threads with its sessions. */
interface RemoteSessions {
  worker: OnnxWorker;
  sampler: OnnxWorkerSession;
  emulator?: OnnxWorkerSession;
}

/** Most sampler worker threads infer() and sample() start (beyond it, more intra-op threads per worker). */
export const MAX_SAMPLER_WORKERS = 4;

/**
 * The intra-op threads of each of infer()'s sampler workers for `threads` cores: by default one worker per core up to
 * MAX_SAMPLER_WORKERS (a session per core, batches in parallel), the cores beyond shared out as intra-op threads;
 * `workers` forces the number (1: one session with every thread, the layout before). Sessions of one thread each
 * leave no parallel section waiting for a thread the OS gave this process's JavaScript (measured on the 2-core machine:
 * see docs/decisions/0012).
 */
export function samplerWorkerPlan(threads: number, workers?: number): number[] {
  const p = Math.max(1, Math.min(threads, workers ?? MAX_SAMPLER_WORKERS));
  return Array.from({ length: p }, (_, i) => Math.floor(threads / p) + (i < threads % p ? 1 : 0));
}

/**
 * `p` with a no-op handler attached, so that its rejection is not reported as unhandled while infer() awaits another
 * run first (it still rejects where it is awaited).
 */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** Feature rows [m, nf] → [m·S, nf]: row i repeated S times, its z feature (offset zAt) set to zs[i·S + k] (S: z values per row). */
function perSampleZ(features: Float32Array, nf: number, zAt: number, zs: Float32Array, S: number): Float32Array {
  const m = features.length / nf;
  const out = new Float32Array(m * S * nf);
  for (let i = 0; i < m; i++) {
    const row = features.subarray(i * nf, (i + 1) * nf);
    for (let k = 0; k < S; k++) {
      out.set(row, (i * S + k) * nf);
      out[(i * S + k) * nf + zAt] = zs[i * S + k];
    }
  }
  return out;
}

/**
 * The z values of a pixel of a galaxy whose z pixsed inferred (`zSamples` of one row, K = out.length values): value j is
 * the galaxy's z sample j (mod their number), the same for every pixel of the galaxy. The galaxy's z is one unknown
 * shared by all its pixels: drawing it per pixel independently would average its uncertainty away in the sample-wise
 * Σ over pixels (Σ M*); a shared draw per sample index carries it into the sums (ADR 0010).
 */
export function galaxyZPerSample(galaxyZ: ArrayLike<number>, out: Float32Array): Float32Array {
  if (!galaxyZ.length) throw new ModelMismatchError('galaxyZPerSample: the galaxy has no z samples');
  for (let k = 0; k < out.length; k++) out[k] = galaxyZ[k % galaxyZ.length];
  return out;
}

/**
 * The sampler kernel of a model being opened (ADR 0015): for `auto` and `native`, the affine flow's weights packed from
 * its ONNX graph and the native kernel checked against `sampler` (onnxruntime) on keyed rows; a kernel that is
 * unavailable, refused or off by more than NATIVE_CHECK_TOLERANCE is onnxruntime under `auto` (with the reason) and a
 * ModelMismatchError naming the file under `native`.
 */
async function samplerKernel(asked: SamplerKernel, manifest: ModelManifest, onnxFile: string, bytes: Uint8Array, sampler: OnnxSampler): Promise<{ info: SamplerKernelInfo; packed?: PackedAffineFlow }> {
  if (asked === 'onnx') return { info: { kernel: 'onnx', reason: 'kernel onnx asked for' } };
  const refuse = (reason: string) => {
    if (asked === 'native') throw new ModelMismatchError(`${onnxFile}: the native sampler was asked for (kernel native) but cannot run: ${reason}`);
    return { info: { kernel: 'onnx' as const, reason } };
  };
  const refused = nativeRefusal(manifest); // before reading the graph: a spline model's load does not parse it
  if (refused) return refuse(refused);
  let graph;
  try {
    graph = readOnnxGraph(bytes);
  } catch (e) {
    return refuse(`the ONNX file is not readable as a graph: ${(e as Error).message}`);
  }
  const packed = packAffineFlow(manifest, graph);
  if (typeof packed === 'string') return refuse(packed);
  const flow = NativeAffineFlow.create(packed, nativeIsa());
  if (typeof flow === 'string') return refuse(flow);
  const { F, D } = packedLayout(packed);
  const diff = await checkAgainst(flow, packed, (f, rows, noise, s) => sampler.run(f, noise, rows, F, s, D));
  if (!(diff <= NATIVE_CHECK_TOLERANCE)) return refuse(`the native kernel differs from onnxruntime by ${diff.toExponential(2)} (tolerance ${NATIVE_CHECK_TOLERANCE}) on the load-time check`);
  return { info: { kernel: 'native', isa: flow.isa, checkDifference: diff }, packed };
}
