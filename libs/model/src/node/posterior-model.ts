import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { ConfigError, ModelMismatchError, type Prng } from '@pixsed/core';
import { abMagFeatures, type AbMagFeatures } from '../ab-mag-features.js';
import { modelManifestSchema, type ModelManifest } from '../model-manifest.js';
import { OnnxSampler } from './onnx-sampler.js';

export interface PosteriorModelOptions {
  threads?: number;
  /** Rows per onnxruntime call (memory: rows × samples × parameters × 4 bytes). */
  batchRows?: number;
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
  const r = modelManifestSchema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(
      manifestFile,
      r.error.issues.map((i) => ({ path: i.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, ''), message: i.message })),
      'model manifest',
    );
  }
  const onnxFile = extname(p) === '.onnx' ? p : join(dirname(manifestFile), r.data.model);
  return { manifest: r.data, manifestFile, onnxFile };
}

/**
 * An amortised posterior: manifest + ONNX sampling graph. Builds features from fluxes per the
 * manifest, flags rows outside the training support, and samples in bounded batches.
 */
export class PosteriorModel {
  private constructor(
    readonly manifest: ModelManifest,
    readonly manifestFile: string,
    private readonly sampler: OnnxSampler,
    readonly batchRows: number,
  ) {}

  static async load(path: string, opts: PosteriorModelOptions = {}): Promise<PosteriorModel> {
    const { manifest, manifestFile, onnxFile } = loadManifest(path);
    const sampler = await OnnxSampler.open(onnxFile, {
      threads: opts.threads,
      featuresInput: manifest.sampler.inputNames[0],
      noiseInput: manifest.sampler.inputNames[1],
      output: manifest.sampler.outputName,
    });
    return new PosteriorModel(manifest, manifestFile, sampler, opts.batchRows ?? 64);
  }

  get parameters(): string[] {
    return this.manifest.parameters.map((p) => p.name);
  }

  get bands(): string[] {
    return this.manifest.bands;
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

  /** Features per the manifest's ab-mag-err-z transform; flux/err per model band, nJy. */
  features(flux: ArrayLike<number>[], err: ArrayLike<number>[], z: ArrayLike<number>, n: number): AbMagFeatures {
    const f = this.manifest.features;
    return abMagFeatures({
      flux,
      err,
      z,
      n,
      fillMag: f.missingBand.fillMag,
      fillMagErr: f.missingBand.fillMagErr,
      rule: { snrMin: f.nonDetection.snrMin, magErrNonDet: f.nonDetection.magErr, magClip: f.clip.mag },
    });
  }

  /**
   * 1 for rows whose magnitudes, errors or z lie outside the training set's range (flag
   * OUT_OF_SUPPORT); indicator features (nondet, missing) are not checked.
   */
  outOfSupport(feat: AbMagFeatures, n: number): Uint8Array {
    const nb = this.bands.length;
    const { min, max } = this.manifest.trainingRanges.features;
    const checked = [...Array.from({ length: 2 * nb }, (_, i) => i), 4 * nb];
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

  /** Posterior samples [n, s, D] for features [n, F]; noise from `rng`, drawn batch by batch. */
  async sample(features: Float32Array, n: number, s: number, rng: Prng): Promise<Float32Array> {
    const nf = this.manifest.features.count;
    const d = this.manifest.sampler.noiseDim;
    const out = new Float32Array(n * s * d);
    for (let r0 = 0; r0 < n; r0 += this.batchRows) {
      const r1 = Math.min(n, r0 + this.batchRows);
      const part = await this.sampler.sample(features.subarray(r0 * nf, r1 * nf), r1 - r0, nf, s, d, rng);
      out.set(part, r0 * s * d);
    }
    return out;
  }

  close(): Promise<void> {
    return this.sampler.close();
  }
}
