import ort from 'onnxruntime-node';
import { ModelMismatchError, sha256Hex } from '@pixsed/core';
import { readModelBytes } from './onnx-sampler.js';
import type { GraphRunner } from './infer-batch.js';
import { graphRunner, openOnnxSession } from './onnx-session.js';

/**
 * The PPC photometry emulator of a model (manifest `ppc`): ONNX graph (parameters [M, D] physical, z [M]) →
 * [M, 2B]: AB magnitude of the noiseless flux per band (manifest band order), then ln σ_mag per band. Pinned by
 * its sha256 in the manifest.
 */
export class PpcEmulator {
  /** The session as a GraphRunner (made once). */
  private readonly graph: GraphRunner;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly file: string,
    readonly sha256: string,
    private readonly names: { parameters: string; z: string; output: string },
    readonly nBands: number,
  ) {
    this.graph = graphRunner(session, file);
  }

  static async open(file: string, expect: { sha256: string; inputNames: [string, string]; outputName: string; nBands: number; manifestFile: string }, threads = 1): Promise<PpcEmulator> {
    const bytes = readModelBytes(file);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== expect.sha256) {
      throw new ModelMismatchError(
        `PPC emulator ${file} has sha256 ${sha256}, but ${expect.manifestFile} pins ppc.emulatorSha256 ${expect.sha256}: the emulator was replaced or belongs to another model`,
      );
    }
    const session = await openOnnxSession(file, threads, 'ONNX emulator', bytes);
    const [p, z] = expect.inputNames;
    for (const name of [p, z]) if (!session.inputNames.includes(name)) throw new ModelMismatchError(`${file}: no input '${name}' (inputs: ${session.inputNames.join(', ')}), as ${expect.manifestFile} ppc.inputNames says`);
    if (!session.outputNames.includes(expect.outputName)) throw new ModelMismatchError(`${file}: no output '${expect.outputName}' (outputs: ${session.outputNames.join(', ')})`);
    return new PpcEmulator(session, file, sha256, { parameters: p, z, output: expect.outputName }, expect.nBands);
  }

  /** [m, 2B] for parameters [m, d] and z [m]. */
  async predict(parameters: Float32Array, z: Float32Array, m: number, d: number): Promise<Float32Array> {
    const t = await this.graph({ [this.names.parameters]: { data: parameters, dims: [m, d] }, [this.names.z]: { data: z, dims: [m] } }, this.names.output);
    if (t.dims.length !== 2 || t.dims[0] !== m || t.dims[1] !== 2 * this.nBands) {
      throw new ModelMismatchError(`${this.file}: output '${this.names.output}' has shape [${t.dims.join(', ')}], expected [${m}, ${2 * this.nBands}]`);
    }
    return t.data;
  }

  /** This session as infer-batch's GraphRunner (inferBatch's check on this thread). */
  runner(): GraphRunner {
    return this.graph;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
