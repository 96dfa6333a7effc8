import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ModelMismatchError } from '@pixsed/core';
import type { InferBatchRequest, InferBatchResult } from './infer-batch.js';
import type { OnnxSessionOptions } from './onnx-session.js';
import { nativeAddonPath, type PackedAffineFlow } from './affine-flow.js';

/**
 * Worker body (CommonJS, so it runs the same from src under vitest and from dist): onnxruntime-node sessions opened by
 * `open` and run by `run`, one request at a time in arrival order. onnxruntime-node runs a session synchronously on
 * the calling thread (its backend wraps the native Run in a setImmediate), so a session run here leaves the main
 * thread free for the JavaScript around it. The output buffer is transferred back, not copied.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const sessions = new Map();
// loaded while the sessions open (batch requests await it); a failure is reported by the first batch
const kernel = import(workerData.kernelUrl);
kernel.catch(() => undefined);
const session = (id) => {
  const s = sessions.get(id);
  if (!s) throw new Error('no session ' + id + ' (closed?)');
  return s;
};
const runner = (id) => async (feeds, output) => {
  const ts = {};
  for (const k of Object.keys(feeds)) ts[k] = new ort.Tensor('float32', feeds[k].data, feeds[k].dims);
  const t = (await session(id).run(ts))[output];
  if (!t) throw new Error('no output ' + output);
  return { data: t.data, dims: t.dims };
};
const post = (msg, transfer) => {
  try {
    parentPort.postMessage(msg, transfer);
  } catch {
    parentPort.postMessage(msg); // a buffer that cannot move (e.g. onnxruntime's own): copied
  }
};
async function handle(m) {
  try {
    if (m.type === 'open') {
      const s = await ort.InferenceSession.create(m.bytes, m.options);
      sessions.set(m.session, s);
      post({ id: m.id, inputNames: s.inputNames, outputNames: s.outputNames });
    } else if (m.type === 'open-native') {
      // the native affine-flow sampler (ADR 0015) as a session: run(tensors) -> { [output]: { data, dims } }
      const lib = require(workerData.nativePath);
      const h = lib.create(m.packed.header, m.packed.weights, m.isa);
      const [fi, ni] = m.inputNames;
      const D = m.packed.header[1]; // packedLayout's D (this source cannot import it)
      sessions.set(m.session, {
        run: async (ts) => {
          const f = ts[fi], z = ts[ni];
          return { [m.outputName]: { data: lib.run(h, f.data, f.dims[0], z.data, z.dims[1]), dims: [f.dims[0], z.dims[1], D] } };
        },
        release: async () => undefined,
      });
      post({ id: m.id, inputNames: m.inputNames, outputNames: [m.outputName] });
    } else if (m.type === 'run') {
      const t = await runner(m.session)(m.feeds, m.output);
      // the inputs moved here go back with the output, for the caller to reuse
      const back = {};
      for (const k of m.giveBack || []) back[k] = m.feeds[k].data;
      post({ id: m.id, data: t.data, dims: t.dims, back }, [t.data.buffer, ...Object.values(back).map((b) => b.buffer)]);
    } else if (m.type === 'batch') {
      const k = await kernel;
      const r = await k.inferBatch(m.request, runner(m.session), m.emulator === undefined ? undefined : runner(m.emulator));
      post({ id: m.id, batch: r }, k.resultBuffers(r));
    } else if (m.type === 'close') {
      const s = sessions.get(m.session);
      sessions.delete(m.session);
      if (s) await s.release();
      post({ id: m.id });
    }
  } catch (e) {
    post({ id: m.id, error: String((e && e.message) || e), errorName: e && e.name });
  }
}
// one request at a time, in arrival order (a batch's noise buffer is reused by the next)
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(() => handle(m));
});`;

/** onnxruntime-node as this module resolves it (the worker loads the same copy). */
const ORT_PATH = createRequire(import.meta.url).resolve('onnxruntime-node');

/**
 * The built infer-batch module the worker imports for `batch` requests: beside this file in dist; from the sources
 * (vitest), the package's dist copy, so the tests' workers run what `npm run build` made (the tests compare it with
 * the sources' inferBatch on the main thread, which catches a stale build).
 */
function kernelUrl(): URL {
  const here = new URL('./infer-batch.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return here;
  const built = new URL('../../dist/node/infer-batch.js', import.meta.url);
  if (!existsSync(built)) throw new ModelMismatchError(`${fileURLToPath(built)} is missing: build @pixsed/model first (npm run build), its worker threads run the built infer-batch module`);
  return built;
}

type Reply = { id: number; error?: string; errorName?: string; batch?: InferBatchResult; data?: Float32Array; dims?: readonly number[]; back?: Record<string, Float32Array>; inputNames?: string[]; outputNames?: string[] };

/**
 * One worker thread hosting onnxruntime-node sessions (`OnnxWorker.session`), so that session runs overlap the main
 * thread's JavaScript. Requests run one at a time in the order sent (several may be queued: the worker is never idle
 * while one waits). The worker does not keep the process alive while no request is pending; `close()` waits for the
 * pending requests, releases the sessions and ends the thread. Same onnxruntime, same options, same inputs as a session
 * on the main thread: the same outputs bit for bit.
 */
export class OnnxWorker {
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private readonly inFlight = new Set<Promise<Reply>>();
  private nextId = 0;
  private readonly sessions: number[] = [];
  private dead?: Error;
  private closing = false;

  private constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!this.pending.size) this.worker.unref();
      if (m.error !== undefined) p.reject(m.errorName === 'ModelMismatchError' ? new ModelMismatchError(m.error) : new Error(m.error));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`onnxruntime worker thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`onnxruntime worker thread exited (code ${code})`)));
  }

  static start(): OnnxWorker {
    return new OnnxWorker(new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: ORT_PATH, kernelUrl: kernelUrl().href, nativePath: nativeAddonPath() } }));
  }

  private request(m: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = ++this.nextId;
    const p = new Promise<Reply>((resolve, reject) => {
      if (!this.pending.size) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...m, id }, transfer);
    });
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  /** Open a session on the model `bytes` (copied to the worker); `file` names it in errors. */
  session(file: string, bytes: Uint8Array, options: OnnxSessionOptions, what = 'ONNX model'): Promise<OnnxWorkerSession> {
    return this.open(file, { type: 'open', bytes, options }, `not a loadable ${what} (${bytes.length} bytes)`);
  }

  /**
   * Open the native affine-flow sampler (ADR 0015) on `packed` as a session of this worker: it runs like a sampler
   * session (`batch`, `run`); `file` names it in errors. The caller has checked the kernel against the graph.
   */
  nativeSession(file: string, packed: PackedAffineFlow, isa: string, inputNames: [string, string], outputName: string): Promise<OnnxWorkerSession> {
    return this.open(file, { type: 'open-native', packed, isa, inputNames, outputName }, 'the native sampler did not open in its worker');
  }

  /** A session opened by `message` in the worker; a failure is a ModelMismatchError naming `file` and `failure`. */
  private async open(file: string, message: Record<string, unknown>, failure: string): Promise<OnnxWorkerSession> {
    if (this.closing) throw new ModelMismatchError(`${file}: the onnxruntime worker is closed`);
    const session = this.sessions.length + 1;
    this.sessions.push(session);
    let r: Reply;
    try {
      r = await this.request({ ...message, session });
    } catch (e) {
      throw new ModelMismatchError(`${file}: ${failure}: ${(e as Error).message.split('\n')[0]}`);
    }
    return new OnnxWorkerSession(file, session, r.inputNames ?? [], r.outputNames ?? [], (m, t) => {
      if (this.closing) return Promise.reject(new ModelMismatchError(`${file}: the session is closed (a run was asked for after close())`));
      return this.request(m, t);
    });
  }

  /** Waits for the requests in flight (their errors are theirs), releases every session and ends the thread. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    // release the sessions in the worker before ending it (not left to the thread's teardown)
    if (!this.dead) await Promise.allSettled(this.sessions.map((session) => this.request({ type: 'close', session })));
    await this.worker.terminate();
  }
}

/** A session in an OnnxWorker: `run` sends float32 inputs and returns one output. */
export class OnnxWorkerSession {
  constructor(
    readonly file: string,
    readonly id: number,
    readonly inputNames: string[],
    readonly outputNames: string[],
    private readonly send: (m: Record<string, unknown>, transfer: ArrayBuffer[]) => Promise<Reply>,
  ) {}

  /**
   * inferBatch in the worker on this session (and `emulator`, a session of the same worker, for the check); the
   * request's typed arrays listed in `transfer` are moved there (the caller must not use them afterwards), the result's
   * arrays are moved back.
   */
  async batch(request: InferBatchRequest, emulator: OnnxWorkerSession | undefined, transfer: ArrayBuffer[]): Promise<InferBatchResult> {
    const r = await this.send({ type: 'batch', session: this.id, emulator: emulator?.id, request }, transfer);
    return r.batch!;
  }

  /**
   * Run on float32 `feeds`; returns output `output`. An input that is a compact typed array listed in `transfer` is
   * moved to the worker (the caller must not use it afterwards) and comes back in `back` under its input name (values
   * unchanged) for reuse; any other is copied (a subarray: only its own values).
   */
  async run(feeds: Record<string, { data: Float32Array; dims: number[] }>, output: string, transfer: Float32Array[] = []): Promise<{ data: Float32Array; dims: readonly number[]; back: Record<string, Float32Array> }> {
    const sent: Record<string, { data: Float32Array; dims: number[] }> = {};
    const moved: ArrayBuffer[] = [];
    const giveBack: string[] = [];
    for (const [k, v] of Object.entries(feeds)) {
      const whole = v.data.byteOffset === 0 && v.data.byteLength === v.data.buffer.byteLength;
      if (whole && transfer.includes(v.data)) {
        moved.push(v.data.buffer as ArrayBuffer);
        giveBack.push(k);
      }
      sent[k] = { data: whole ? v.data : v.data.slice(), dims: v.dims };
    }
    const r = await this.send({ type: 'run', session: this.id, feeds: sent, output, giveBack }, moved);
    return { data: r.data!, dims: r.dims!, back: r.back ?? {} };
  }
}
