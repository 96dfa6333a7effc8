import ort from 'onnxruntime-node';
import { ModelMismatchError } from '@pixsed/core';
import { checkThreads, readModelBytes } from './onnx-sampler.js';
import type { GraphRunner } from './infer-batch.js';

/**
 * An onnxruntime-node session on `file` (or its already-read `bytes`) with the options every pixsed graph uses
 * (sequential execution, `threads` intra-op threads, all graph optimisations); a file that does not load is a
 * ModelMismatchError naming it and `what` it should be. Used by image models (libs/tile-model).
 */
export async function openOnnxSession(file: string, threads: number, what = 'ONNX model', bytes?: Uint8Array): Promise<ort.InferenceSession> {
  checkThreads(threads);
  const data = bytes ?? readModelBytes(file);
  try {
    return await ort.InferenceSession.create(data, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
  } catch (e) {
    throw new ModelMismatchError(`${file}: not a loadable ${what} (${data.length} bytes): ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Run `session` on one float32 input tensor and return the named output's data and dims. */
export async function runFloat32(session: ort.InferenceSession, input: string, data: Float32Array, dims: number[], output: string): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const r = await session.run({ [input]: new ort.Tensor('float32', data, dims) });
  const t = r[output];
  return { data: t.data as Float32Array, dims: t.dims };
}

/** `session` as a GraphRunner (named float32 inputs, one output; an absent output is a ModelMismatchError naming `file`). */
export function graphRunner(session: ort.InferenceSession, file: string): GraphRunner {
  return async (feeds, output) => {
    const r = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
    const t = r[output];
    if (!t) throw new ModelMismatchError(`${file}: no output '${output}'`);
    return { data: t.data as Float32Array, dims: t.dims };
  };
}

export type OnnxSession = ort.InferenceSession;
