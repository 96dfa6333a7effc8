import { existsSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { fillNormal, ModelMismatchError, type Prng } from '@pixsed/core';

export interface OnnxSamplerOptions {
  /** Intra-op threads of onnxruntime (default 2). */
  threads?: number;
  featuresInput?: string;
  noiseInput?: string;
  output?: string;
}

/**
 * An exported sampling graph `(features [N,F], noise [N,S,D]) → samples [N,S,D]` run with
 * onnxruntime-node. Noise is standard normal from a seeded PRNG owned by the caller, so a run is
 * reproducible bit for bit.
 */
export class OnnxSampler {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly featuresInput: string,
    readonly noiseInput: string,
    readonly output: string,
  ) {}

  static async open(file: string, opts: OnnxSamplerOptions = {}): Promise<OnnxSampler> {
    if (!existsSync(file)) throw new ModelMismatchError(`model file not found: ${file}`);
    const session = await ort.InferenceSession.create(file, {
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    const [fi, ni] = [opts.featuresInput ?? session.inputNames[0], opts.noiseInput ?? session.inputNames[1]];
    const out = opts.output ?? session.outputNames[0];
    for (const name of [fi, ni]) {
      if (!session.inputNames.includes(name)) throw new ModelMismatchError(`${file}: no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    }
    if (!session.outputNames.includes(out)) throw new ModelMismatchError(`${file}: no output '${out}' (outputs: ${session.outputNames.join(', ')})`);
    return new OnnxSampler(session, file, fi, ni, out);
  }

  /** Samples [n, s, dims] for features [n, nFeatures], noise drawn from `rng` in row-major order. */
  async sample(features: Float32Array, n: number, nFeatures: number, s: number, dims: number, rng: Prng): Promise<Float32Array> {
    if (features.length !== n * nFeatures) throw new ModelMismatchError(`${this.file}: features have ${features.length} values, expected ${n}×${nFeatures}`);
    const noise = fillNormal(rng, new Float32Array(n * s * dims));
    const result = await this.session.run({
      [this.featuresInput]: new ort.Tensor('float32', features, [n, nFeatures]),
      [this.noiseInput]: new ort.Tensor('float32', noise, [n, s, dims]),
    });
    const t = result[this.output];
    if (t.dims.length !== 3 || t.dims[0] !== n || t.dims[1] !== s || t.dims[2] !== dims) {
      throw new ModelMismatchError(`${this.file}: output '${this.output}' has shape [${t.dims.join(', ')}], expected [${n}, ${s}, ${dims}]`);
    }
    return t.data as Float32Array;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
