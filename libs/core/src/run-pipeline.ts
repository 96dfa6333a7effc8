import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { concatMap, take, type Observable } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { ConfigError, OutputError, PixsedError, RunCancelledError } from './errors.js';
import { countFlags, FlagRegistry, STANDARD_FLAGS } from './flags.js';
import { FlowGate } from './flow-gate.js';
import { pullSource } from './pull-source.js';
import { configHash, resolvedConfigHash, type ProvenanceEntry } from './provenance.js';
import { RunStats } from './run-stats.js';
import { stageOperator, stageProvenance } from './stage-operator.js';
import { batchPixels } from './strip-geometry.js';
import { checkStreamInfo, minimalStreamInfo, type StreamInfo } from './stream-info.js';
import type { PipelineConfig } from './pipeline-config.js';
import type { ShardSpec } from './shard-partition.js';
import type { BatchSource, GalaxyRedshifts, InitContext, RunOutput, Sink, StageInstance } from './stage.js';

export interface ProgressEvent {
  rowsIn: number;
  batchesIn: number;
  rowsOut: number;
  batchesOut: number;
  totalRows?: number;
  totalBatches?: number;
  /** rows the sinks will have received at the end, as known now: the segmentation's pixels behind a mask (else the source's rows) less the rows dropped so far for other reasons; exact once every pixel has been read */
  expectedRowsOut?: number;
  elapsedSeconds: number;
}

export interface RunOptions {
  outDir: string;
  /**
   * Where sinks write. The CLI passes an `OutputTransaction` (`@pixsed/core/node`) and commits it
   * after the run; without one, sinks write straight into `outDir` (no transaction: library and test use).
   */
  output?: RunOutput;
  /**
   * Check instead of run (`validate-config`): `create` creates the source, every stage and every
   * sink and closes them again without pulling a batch (stages and sinks check what they need
   * against the StreamInfo in `create`); `first-batch` also pushes the source's first batch through
   * the chain. Sinks are aborted instead of closed (nothing committed).
   */
  check?: 'create' | 'first-batch';
  pipelineDir?: string;
  signal?: AbortSignal;
  log?: (message: string) => void;
  onProgress?: (p: ProgressEvent) => void;
  /** The pixsed version recorded in the outputs' provenance (InitContext.run). */
  pixsedVersion?: string;
  /** Run only shard `index` of `count` (`pixsed run --shard`): the source must state it in `info.shard`, and a stage must drop the pixels other shards own. */
  shard?: ShardSpec;
  /** A photo-z first pass (InitContext.prepass; ADR 0010): `resolveGalaxyRedshifts` (@pixsed/inference) runs it. */
  prepass?: boolean;
  /** The galaxies' redshifts from the photo-z first pass (InitContext.redshifts). */
  redshifts?: GalaxyRedshifts;
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
  /** Hash of the fully resolved pipeline config (after defaults and --set): `resolvedConfigHash`. */
  configHash: string;
  /** The StreamInfo the sinks received (the source's, extended by each stage). */
  stream: StreamInfo;
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
/** RunOutput without a transaction: sinks write straight into `dir`. */
export function directOutput(dir: string): RunOutput {
  const abs = resolve(dir);
  return {
    dir: abs,
    path: (relPath) => resolve(abs, relPath),
    finalPath: (p) => p,
    ioError: (err, p) => (err instanceof PixsedError ? err : new OutputError(p, undefined, err instanceof Error ? err.message : String(err), { cause: err })),
  };
}

export function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** A sink's failure: its own PixsedError unchanged, anything else (an fs error without a path) as an OutputError naming the sink and the output folder. */
function sinkError(err: unknown, sink: string, output: RunOutput): unknown {
  if (err instanceof PixsedError) return err;
  const path = (err as NodeJS.ErrnoException | undefined)?.path;
  const file = path ? output.finalPath(isAbsolute(path) ? path : resolve(output.dir, path)) : output.dir;
  const rel = relative(output.dir, file);
  return new OutputError(file, sink, `${err instanceof Error ? err.message : String(err)}${rel === '' ? ' (writing into the output folder)' : ''}`, { cause: err });
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
  const output = options.output ?? directOutput(options.outDir);
  const sourceName = `source:${config.source.type}`;
  let init: InitContext = {
    pipelineDir: options.pipelineDir ?? process.cwd(),
    outDir: output.dir,
    output,
    flags,
    stats,
    signal: controller.signal,
    log,
    run: { configHash: resolvedConfigHash(config), startedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), pixsedVersion: options.pixsedVersion },
    stream: { ...minimalStreamInfo(sourceName, []), flags: flags.list() },
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.prepass ? { prepass: true } : {}),
    ...(options.redshifts ? { redshifts: options.redshifts } : {}),
    ...(options.check ? { check: options.check } : {}),
  };

  let created: BatchSource | undefined;
  const stages: StageInstance[] = [];
  const sinks: Sink[] = [];
  // facts before data: the source states the stream's facts, each stage sees those of the steps before it
  let stream: StreamInfo = init.stream;
  try {
    created = await config.source.def.create(config.source.config as any, init);
    // every source states its StreamInfo (a JS plug-in without one is named by checkStreamInfo)
    stream = { ...checkStreamInfo(created.info, sourceName), flags: flags.list() };
    const shard = options.shard;
    if (shard && (stream.shard?.index !== shard.index || stream.shard.count !== shard.count)) {
      throw new ConfigError(config.file, [{ path: 'source.type', message: `--shard ${shard.index}/${shard.count}: source '${config.source.type}' cannot read a shard of its data (it states no shard in its StreamInfo)` }]);
    }
    for (const [i, s] of config.stages.entries()) {
      if (options.prepass && s.def.readsRedshift) throw new ConfigError(config.file, [{ path: 'stages', message: `stage '${s.name}' reads z: it cannot run in a photo-z first pass` }]);
      const segmentPixelsOnly = config.stages[i + 1]?.def.dropsOutsideSegments === true;
      const instance = await s.def.create(s.config as any, { ...init, stream, ...(segmentPixelsOnly ? { segmentPixelsOnly } : {}) });
      stages.push(instance);
      if (instance.info) stream = checkStreamInfo(instance.info, `stage '${s.name}'`);
    }
    if (shard && !stream.shard?.appliedBy) {
      throw new ConfigError(config.file, [{ path: 'stages', message: `--shard ${shard.index}/${shard.count}: no stage drops the pixels other shards own (the snr-mask stage does): a shard would write them twice` }]);
    }
    for (const s of config.sinks) sinks.push(await s.def.create(s.config as any, { ...init, stream }));
  } catch (err) {
    await Promise.allSettled([created?.close?.(), ...stages.map((s) => s.close?.()), ...sinks.map((s) => s.abort?.())]);
    // plug-ins report config problems by YAML path; name the pipeline file they came from
    if (err instanceof ConfigError && !err.file && config.file) throw new ConfigError(config.file, err.issues);
    throw err;
  }
  const source: BatchSource = created;
  if (options.check === 'create') {
    await Promise.allSettled([source.close?.(), ...stages.map((s) => s.close?.()), ...sinks.map((s) => s.abort?.())]);
    options.signal?.removeEventListener('abort', onAbort);
    return summarise([], undefined);
  }

  const gate = new FlowGate({ maxBatches: config.run.maxInFlightBatches, maxBytes: config.run.maxInFlightMB * 1024 * 1024 });
  const owned = stream.shard ? new Set(stream.shard.galaxies) : undefined;
  const segmented = stream.mask && stream.galaxies ? stream.galaxies.reduce((n, g) => n + (!owned || owned.has(g.id) ? g.nPixels : 0), 0) : undefined;
  const expectedRowsOut = () =>
    segmented !== undefined
      ? segmented - stats.droppedTotal() + (stats.dropped.OUTSIDE_SEGMENTATION ?? 0)
      : source.totalRows !== undefined
        ? source.totalRows - stats.droppedTotal()
        : undefined;
  const progress = (): ProgressEvent => ({
    rowsIn: stats.rowsIn,
    expectedRowsOut: expectedRowsOut(),
    batchesIn: stats.batchesIn,
    rowsOut: stats.rowsOut,
    batchesOut: stats.batchesOut,
    totalRows: source.totalRows,
    totalBatches: source.totalBatches,
    elapsedSeconds: (performance.now() - t0) / 1000,
  });

  init = { ...init, stream };
  let batches = pullSource(source, gate, (b) => {
    stats.batchesIn++;
    stats.rowsIn += batchPixels(b);
  });
  if (options.check === 'first-batch') batches = batches.pipe(take(1));
  config.stages.forEach((s, i) => {
    const ctx = { ...init, stageName: s.name };
    batches = batches.pipe(stageOperator(stages[i], ctx, { version: s.def.version, config: s.config, concurrency: s.def.concurrency }));
  });
  options.tap?.(batches);

  const written = batches.pipe(
    concatMap(async (batch) => {
      for (let i = 0; i < sinks.length; i++) {
        try {
          await sinks[i].write(batch);
        } catch (err) {
          throw sinkError(err, config.sinks[i].name, output);
        }
      }
      stats.batchesOut++;
      stats.rowsOut += batch.numRows;
      countFlags(batch, flags, stats.rowsPerFlag);
      options.onProgress?.(progress());
      gate.release();
    }),
  );

  try {
    await new Promise<void>((resolve, reject) => {
      const cancelled = () => {
        const reason: unknown = controller.signal.reason;
        return reason instanceof RunCancelledError ? reason : new RunCancelledError(`run '${config.name}' cancelled${reason ? `: ${String(reason)}` : ''}`);
      };
      // cancelled while the source, stages and sinks were being created: do not start streaming
      if (controller.signal.aborted) return reject(cancelled());
      const sub = written.subscribe({ error: reject, complete: resolve });
      controller.signal.addEventListener(
        'abort',
        () => {
          sub.unsubscribe();
          reject(cancelled());
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
  if (options.check) {
    await Promise.allSettled(sinks.map((s) => s.abort?.()));
  } else {
    for (let i = 0; i < sinks.length; i++) {
      try {
        outputs.push(...(await sinks[i].close()).map((p) => output.finalPath(p)));
      } catch (err) {
        await Promise.allSettled([source.close?.(), ...stages.map((s) => s.close?.()), ...sinks.slice(i + 1).map((s) => s.abort?.())]);
        throw sinkError(err, config.sinks[i].name, output);
      }
    }
  }
  await Promise.allSettled([source.close?.(), ...stages.map((s) => s.close?.())]);

  return summarise(outputs, gate);

  function summarise(outputs: string[], gate: FlowGate | undefined): RunSummary {
    // run-level: every stage's entry as its operator stamps it on each batch (also when no batch came through)
    const provenance: ProvenanceEntry[] = [
      { stage: sourceName, version: config.source.def.version, configHash: configHash(config.source.config) },
      ...config.stages.map((s, i) => stageProvenance(s.name, s.def.version, s.config, stages[i])),
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
      configHash: resolvedConfigHash(config),
      stream,
      outputs,
      wallSeconds: (performance.now() - t0) / 1000,
      peakRssMB: peakRssMB(),
      maxInFlightBatches: gate?.maxSeenBatches ?? 0,
      maxInFlightMB: (gate?.maxSeenBytes ?? 0) / 1024 / 1024,
    };
  }
}
