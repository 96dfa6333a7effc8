import ort from 'onnxruntime-node';
import { ModelMismatchError, sha256Hex } from '@pixsed/core';
import { readModelBytes } from './onnx-sampler.js';
import type { GraphRunner } from './infer-batch.js';
import { graphRunner } from './onnx-session.js';

/**
 * The PPC photometry emulator of a model (manifest `ppc`): ONNX graph (parameters [M, D] physical, z [M]) →
 * [M, 2B]: AB magnitude of the noiseless flux per band (manifest band order), then ln σ_mag per band. Pinned by
 * its sha256 in the manifest.
 */
export class PpcEmulator {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly sha256: string,
    private readonly names: { parameters: string; z: string; output: string },
    readonly nBands: number,
  ) {}

  static async open(file: string, expect: { sha256: string; inputNames: [string, string]; outputName: string; nBands: number; manifestFile: string }, threads = 1): Promise<PpcEmulator> {
    const bytes = readModelBytes(file);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== expect.sha256) {
      throw new ModelMismatchError(
        `PPC emulator ${file} has sha256 ${sha256}, but ${expect.manifestFile} pins ppc.emulatorSha256 ${expect.sha256}: the emulator was replaced or belongs to another model`,
      );
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
    } catch (e) {
      throw new ModelMismatchError(`${file}: not a loadable ONNX emulator (${bytes.length} bytes): ${(e as Error).message.split('\n')[0]}`);
    }
    const [p, z] = expect.inputNames;
    for (const name of [p, z]) if (!session.inputNames.includes(name)) throw new ModelMismatchError(`${file}: no input '${name}' (inputs: ${session.inputNames.join(', ')}), as ${expect.manifestFile} ppc.inputNames says`);
    if (!session.outputNames.includes(expect.outputName)) throw new ModelMismatchError(`${file}: no output '${expect.outputName}' (outputs: ${session.outputNames.join(', ')})`);
    return new PpcEmulator(session, file, sha256, { parameters: p, z, output: expect.outputName }, expect.nBands);
  }

  /** [m, 2B] for parameters [m, d] and z [m]. */
  async predict(parameters: Float32Array, z: Float32Array, m: number, d: number): Promise<Float32Array> {
    const r = await this.session.run({
      [this.names.parameters]: new ort.Tensor('float32', parameters, [m, d]),
      [this.names.z]: new ort.Tensor('float32', z, [m]),
    });
    const t = r[this.names.output];
    if (t.dims.length !== 2 || t.dims[0] !== m || t.dims[1] !== 2 * this.nBands) {
      throw new ModelMismatchError(`${this.file}: output '${this.names.output}' has shape [${t.dims.join(', ')}], expected [${m}, ${2 * this.nBands}]`);
    }
    return t.data as Float32Array;
  }

  /** This session as infer-batch's GraphRunner (inferBatch's check on this thread). */
  runner(): GraphRunner {
    return graphRunner(this.session, this.file);
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
