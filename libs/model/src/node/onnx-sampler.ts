import { readFileSync, statSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { ConfigError, fillNormal, ModelMismatchError, type Prng } from '@pixsed/core';
import { checkSamplerInputs, checkSamplerOutput, type GraphRunner } from './infer-batch.js';
import { graphRunner, openOnnxSession } from './onnx-session.js';

export { checkSamplerInputs, checkSamplerOutput };

/** Most onnxruntime intra-op threads accepted (`threads`, `--threads`): beyond it a typo, not a plan. */
export const MAX_INTRA_OP_THREADS = 1024;

/** Refuse a thread count that is not an integer in [1, MAX_INTRA_OP_THREADS] (0 would mean "all cores" to onnxruntime). */
export function checkThreads(threads: number, where: { file?: string; what?: string; key?: string } = {}): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_INTRA_OP_THREADS) {
    throw new ConfigError(where.file, [{ path: where.key ?? 'threads', message: `expected an integer from 1 to ${MAX_INTRA_OP_THREADS}, got ${threads}` }], where.what ?? 'onnxruntime options');
  }
}

export interface OnnxSamplerOptions {
  /** Intra-op threads of onnxruntime (default 2; 1 to MAX_INTRA_OP_THREADS). */
  threads?: number;
  featuresInput?: string;
  noiseInput?: string;
  output?: string;
}

/**
 * Read a model file's bytes, refusing a missing, non-regular or empty file with a message naming
 * it (instead of onnxruntime's internals).
 */
export function readModelBytes(file: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new ModelMismatchError(`model file ${file} is a directory, expected an ONNX file`);
    if (!st.isFile()) throw new ModelMismatchError(`model file ${file} is not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof ModelMismatchError) throw e;
    throw new ModelMismatchError(`model file not found: ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size === 0) throw new ModelMismatchError(`model file ${file} is empty (0 bytes), expected an ONNX file`);
  return readFileSync(file);
}

/**
 * An exported sampling graph `(features [N,F], noise [N,S,D]) → samples [N,S,D]` run with
 * onnxruntime-node. Noise is standard normal supplied by the caller (or drawn from the caller's
 * seeded PRNG), so a run is reproducible bit for bit.
 */
export class OnnxSampler {
  /** `sample`'s noise buffer, reused from call to call (grown when a call needs more); `noiseBusy` while a call uses it. */
  private noise = new Float32Array(0);
  private noiseBusy = false;
  /** Runs started and not yet settled (close() waits for them), and whether close() has been called. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;
  /** The session as a GraphRunner (made once). */
  private readonly graph: GraphRunner;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly featuresInput: string,
    readonly noiseInput: string,
    readonly output: string,
  ) {
    this.graph = graphRunner(session, file);
  }

  /** Open `file` (or its already-read `bytes`, e.g. after a hash check). */
  static async open(file: string, opts: OnnxSamplerOptions = {}, bytes?: Uint8Array): Promise<OnnxSampler> {
    const session = await openOnnxSession(file, opts.threads ?? 2, 'ONNX model', bytes);
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
    const len = n * s * dims;
    if (this.noiseBusy) return this.run(features, fillNormal(rng, new Float32Array(len)), n, nFeatures, s, dims); // concurrent call: its own buffer
    if (this.noise.length < len) this.noise = new Float32Array(len);
    this.noiseBusy = true;
    try {
      return await this.run(features, fillNormal(rng, this.noise.subarray(0, len)), n, nFeatures, s, dims);
    } finally {
      this.noiseBusy = false;
    }
  }

  /** Samples [n, s, dims] for features [n, nFeatures] and the given standard-normal noise [n, s, dims]. */
  async run(features: Float32Array, noise: Float32Array, n: number, nFeatures: number, s: number, dims: number): Promise<Float32Array> {
    checkSamplerInputs(this.file, features, noise, n, nFeatures, s, dims);
    const t = await this.runner()({ [this.featuresInput]: { data: features, dims: [n, nFeatures] }, [this.noiseInput]: { data: noise, dims: [n, s, dims] } }, this.output);
    checkSamplerOutput(this.file, this.output, t.dims, n, s, dims);
    return t.data;
  }

  /** This session as infer-batch's GraphRunner (named float32 inputs, one output), for inferBatch on this thread. */
  runner(): GraphRunner {
    return async (feeds, output) => {
      if (this.closing) throw new ModelMismatchError(`${this.file}: the sampler is closed (a run was asked for after close())`);
      const running = this.graph(feeds, output);
      this.inFlight.add(running);
      try {
        return await running;
      } finally {
        this.inFlight.delete(running);
      }
    };
  }

  /**
   * Releases the session after the runs in flight have settled: onnxruntime-node schedules a run on an immediate and
   * throws an uncaught "Session already disposed" if the session is released first (PosteriorModel.infer keeps one run
   * ahead of its JavaScript, so a cancelled run can close the sampler with a run queued). Later runs are refused.
   */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    await this.session.release();
  }
}
