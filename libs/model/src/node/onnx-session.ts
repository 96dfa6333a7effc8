import ort from 'onnxruntime-node';
import { ModelMismatchError } from '@pixsed/core';
import { checkThreads, readModelBytes } from './onnx-sampler.js';
import type { GraphRunner } from './infer-batch.js';

/**
 * The options of every pixsed onnxruntime session, one source: sequential execution, `threads` intra-op threads, all
 * graph optimisations; `sleeping`: intra-op threads that sleep instead of spinning between parallel sections (the
 * sampler's worker sessions, which share the cores with JavaScript: measured on the 2-core machine, loaded, 2 threads
 * 420 → 845 px/s).
 */
export function onnxSessionOptions(threads: number, opts: { sleeping?: boolean } = {}) {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all' as const,
    executionMode: 'sequential' as const,
    ...(opts.sleeping ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

export type OnnxSessionOptions = ReturnType<typeof onnxSessionOptions>;

/**
 * An onnxruntime-node session on `file` (or its already-read `bytes`) with the options every pixsed graph uses
 * (onnxSessionOptions); a file that does not load is a ModelMismatchError naming it and `what` it should be. The
 * sampler, the PPC emulator and image models (libs/tile-model) open theirs with it.
 */
export async function openOnnxSession(file: string, threads: number, what = 'ONNX model', bytes?: Uint8Array): Promise<ort.InferenceSession> {
  checkThreads(threads);
  const data = bytes ?? readModelBytes(file);
  try {
    return await ort.InferenceSession.create(data, onnxSessionOptions(threads));
  } catch (e) {
    throw new ModelMismatchError(`${file}: not a loadable ${what} (${data.length} bytes): ${(e as Error).message.split('\n')[0]}`);
  }
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
