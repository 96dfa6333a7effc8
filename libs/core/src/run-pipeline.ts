import { readFileSync } from 'node:fs';
import { concatMap, type Observable } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { ConfigError, PixsedError } from './errors.js';
import { countFlags, FlagRegistry, STANDARD_FLAGS } from './flags.js';
import { FlowGate } from './flow-gate.js';
import { pullSource } from './pull-source.js';
import { configHash, readProvenance, type ProvenanceEntry } from './provenance.js';
import { RunStats } from './run-stats.js';
import { stageOperator } from './stage-operator.js';
import type { PipelineConfig } from './pipeline-config.js';
import type { BatchSource, InitContext, Sink, StageInstance } from './stage.js';

/** Schema-metadata key a source may set: pixels the batch represents (e.g. strip rows without halo). */
export const PIXELS_KEY = 'pixsed.pixels';

export interface ProgressEvent {
  rowsIn: number;
  batchesIn: number;
  rowsOut: number;
  batchesOut: number;
  totalRows?: number;
  totalBatches?: number;
  elapsedSeconds: number;
}

export interface RunOptions {
  outDir: string;
  pipelineDir?: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  onProgress?: (p: ProgressEvent) => void;
  /** Called before the run starts with the observable (tests use it to observe batches). */
  tap?: (stream: Observable<RecordBatch>) => void;
}

export interface RunSummary {
  pipeline: string;
  rowsIn: number;
  rowsOut: number;
  batchesIn: number;
  batchesOut: number;
  /** Rows removed by stages, by reason. rowsIn = rowsOut + Σ dropped for row-preserving sources. */
  droppedByReason: Record<string, number>;
  /** Output rows with each flag set. */
  rowsPerFlag: Record<string, number>;
  flags: { bit: number; name: string; description: string }[];
  provenance: ProvenanceEntry[];
  outputs: string[];
  wallSeconds: number;
  peakRssMB: number;
  maxInFlightBatches: number;
  maxInFlightMB: number;
}

/**
 * Peak resident set size of this process so far, in MB: VmHWM from /proc/self/status on Linux
 * (getrusage's maxRSS of a spawned child can report its parent's larger peak), else maxRSS.
 */
export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Run a validated pipeline: pull-driven source → stages (RxJS operators) → sinks, with
 * credit-based backpressure from the sinks back to the source.
 */
export async function runPipeline(config: PipelineConfig, options: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const flags = new FlagRegistry();
  for (const f of STANDARD_FLAGS) flags.register(f);
  for (const e of [config.source, ...config.stages, ...config.sinks]) for (const f of e.def.flags ?? []) flags.register(f);

  const stats = new RunStats();
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const log = options.log ?? (() => undefined);
  const init: InitContext = {
    pipelineDir: options.pipelineDir ?? process.cwd(),
    outDir: options.outDir,
    flags,
    stats,
    signal: controller.signal,
    log,
  };

  let created: BatchSource | undefined;
  const stages: StageInstance[] = [];
  const sinks: Sink[] = [];
  try {
    created = await config.source.def.create(config.source.config as any, init);
    for (const s of config.stages) stages.push(await s.def.create(s.config as any, init));
    for (const s of config.sinks) sinks.push(await s.def.create(s.config as any, init));
  } catch (err) {
    await Promise.allSettled([created?.close?.(), ...stages.map((s) => s.close?.()), ...sinks.map((s) => s.abort?.())]);
    // plug-ins report config problems by YAML path; name the pipeline file they came from
    if (err instanceof ConfigError && !err.file && config.file) throw new ConfigError(config.file, err.issues);
    throw err;
  }
  const source: BatchSource = created;

  const gate = new FlowGate({ maxBatches: config.run.maxInFlightBatches, maxBytes: config.run.maxInFlightMB * 1024 * 1024 });
  const progress = (): ProgressEvent => ({
    rowsIn: stats.rowsIn,
    batchesIn: stats.batchesIn,
    rowsOut: stats.rowsOut,
    batchesOut: stats.batchesOut,
    totalRows: source.totalRows,
    totalBatches: source.totalBatches,
    elapsedSeconds: (performance.now() - t0) / 1000,
  });

  let stream = pullSource(source, gate, (b) => {
    stats.batchesIn++;
    stats.rowsIn += Number(b.schema.metadata.get(PIXELS_KEY) ?? b.numRows);
  });
  config.stages.forEach((s, i) => {
    const ctx = { ...init, stageName: s.name };
    stream = stream.pipe(stageOperator(stages[i], ctx, { version: s.def.version, config: s.config, concurrency: s.def.concurrency }));
  });
  options.tap?.(stream);

  let lastBatch: RecordBatch | undefined;
  const written = stream.pipe(
    concatMap(async (batch) => {
      for (const sink of sinks) await sink.write(batch);
      stats.batchesOut++;
      stats.rowsOut += batch.numRows;
      countFlags(batch, flags, stats.rowsPerFlag);
      lastBatch = batch;
      options.onProgress?.(progress());
      gate.release();
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      const sub = written.subscribe({ error: reject, complete: resolve });
      controller.signal.addEventListener(
        'abort',
        () => {
          sub.unsubscribe();
          reject(new PixsedError(`run '${config.name}' cancelled${controller.signal.reason ? `: ${String(controller.signal.reason)}` : ''}`));
        },
        { once: true },
      );
    });
  } catch (err) {
    await Promise.allSettled([source.close?.(), ...stages.map((s) => s.close?.()), ...sinks.map((s) => s.abort?.())]);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }

  const outputs: string[] = [];
  for (const sink of sinks) outputs.push(...(await sink.close()));
  await Promise.allSettled([source.close?.(), ...stages.map((s) => s.close?.())]);

  const provenance: ProvenanceEntry[] = [
    { stage: `source:${config.source.type}`, version: config.source.def.version, configHash: configHash(config.source.config) },
    ...(lastBatch ? readProvenance(lastBatch) : []),
  ];
  return {
    pipeline: config.name,
    rowsIn: stats.rowsIn,
    rowsOut: stats.rowsOut,
    batchesIn: stats.batchesIn,
    batchesOut: stats.batchesOut,
    droppedByReason: { ...stats.dropped },
    rowsPerFlag: { ...stats.rowsPerFlag },
    flags: flags.list(),
    provenance,
    outputs,
    wallSeconds: (performance.now() - t0) / 1000,
    peakRssMB: peakRssMB(),
    maxInFlightBatches: gate.maxSeenBatches,
    maxInFlightMB: gate.maxSeenBytes / 1024 / 1024,
  };
}
