import type { RecordBatch } from 'apache-arrow';
import type { z } from 'zod';
import type { FlagDefinition, FlagRegistry } from './flags.js';
import type { RunStats } from './run-stats.js';
import type { StreamInfo } from './stream-info.js';
import type { ShardSpec } from './shard-partition.js';

/**
 * Where sinks write (implemented by `OutputTransaction` in `@pixsed/core/node`). Outputs are a
 * transaction: a sink writes under the temporary path `path()` returns, and the run renames every
 * file into place only once it completed (run-summary.json last).
 */
export interface RunOutput {
  /** The output folder (`--out`) the results end up in. */
  readonly dir: string;
  /**
   * Temporary path to write the output whose final path is `<dir>/<relPath>` (a file, or a folder of
   * files). `owner` is `<sink>.<config key>` (e.g. `galaxies.catalog`). Throws a ConfigError naming
   * `sinks.<owner>` if the final path leaves `dir` or resolves to an input of the run.
   */
  path(relPath: string, owner: string, kind?: 'file' | 'folder'): string;
  /** Final path of a temporary path returned by `path()` (or a file below it); other paths unchanged. */
  finalPath(tempPath: string): string;
  /** An I/O error (ENOSPC, EACCES, EISDIR ...) while writing `tempPath`, as an OutputError naming the final file and the sink. */
  ioError(err: unknown, tempPath: string): Error;
}

/** Run-level provenance facts sinks write into their outputs' headers. */
export interface RunFacts {
  configHash: string;
  startedAt: string;
  pixsedVersion?: string;
}

/**
 * A galaxy's redshift found by pixsed's photo-z first pass (ADR 0010): the photo-z model's posterior on the galaxy's
 * integrated photometry. `samples` are its z samples (keyed by the galaxy id); a pixel's posterior sample k is
 * conditioned on samples[k mod length], the same z for every pixel of the galaxy at sample index k, so sample-wise
 * sums over the galaxy's pixels (Σ M*) carry the galaxy's z uncertainty coherently.
 */
export interface GalaxyRedshift {
  /** median, 16th and 84th percentile of the z samples */
  z: number;
  zLo: number;
  zHi: number;
  samples: Float32Array;
  /** flags of the galaxy's photo-z fit (MISSING_BAND, NON_DETECTION, OUT_OF_SUPPORT bits of @pixsed/core FLAG) */
  flags: number;
}

/** Galaxies (by segment id) whose z pixsed inferred in the first pass; a galaxy absent here keeps its catalogue z (or none). */
export type GalaxyRedshifts = ReadonlyMap<number, GalaxyRedshift>;

/** What every stage, source and sink receives when it is created. */
export interface InitContext {
  /** Folder of the pipeline YAML: relative input paths resolve against it. */
  readonly pipelineDir: string;
  /** Output folder of the run (`--out`). Sinks do not write here directly: they write to `output.path(...)`. */
  readonly outDir: string;
  /** The run's output transaction: every file a sink writes goes through it. */
  readonly output: RunOutput;
  readonly flags: FlagRegistry;
  readonly stats: RunStats;
  readonly signal: AbortSignal;
  readonly log: (message: string) => void;
  /** Facts of the run for provenance in output headers: the resolved config hash, when it started (ISO 8601), the pixsed version (as the caller states it). */
  readonly run?: RunFacts;
  /**
   * Run-level facts of the stream this plug-in receives (bands, survey, WCS, mosaic, flags, galaxies,
   * and what the stages before it added), known before the first batch. A source gets an empty one.
   */
  readonly stream: StreamInfo;
  /** This run is shard `index` of `count` (`pixsed run --shard`): a source that can be sharded reads only its part and states it in `info.shard`. */
  readonly shard?: ShardSpec;
  /**
   * A photo-z first pass (ADR 0010): the source reads only the tiles of the galaxies without a catalogue z, and
   * no stage that reads z runs (`readsRedshift`); snr-mask keeps those galaxies' pixels without a z.
   */
  readonly prepass?: boolean;
  /** The galaxies' redshifts the photo-z first pass found (present only after it ran): the source writes their z, the inference stage samples over them. */
  readonly redshifts?: GalaxyRedshifts;
  /** A check run (`validate-config`): nothing is streamed past `check` (RunOptions.check). */
  readonly check?: 'create' | 'first-batch';
  /**
   * The next stage drops every pixel outside the galaxy segments (galaxy_id ≤ 0) without reading its values
   * (StageDefinition.dropsOutsideSegments: snr-mask): this stage may leave those pixels' values uncomputed (NaN).
   */
  readonly segmentPixelsOnly?: boolean;
}

/** What a kernel receives with each batch. */
export interface StageContext extends InitContext {
  /** Name of this stage instance in the pipeline. */
  readonly stageName: string;
}

/** A pure transform: one batch in, one batch out (rows may be removed if counted in `ctx.stats`). */
export type StageKernel = (batch: RecordBatch, ctx: StageContext) => RecordBatch | Promise<RecordBatch>;

export interface StageInstance {
  kernel: StageKernel;
  /** Called once the input is exhausted; extra batches it returns go downstream (e.g. last galaxies). */
  flush?: (ctx: StageContext) => RecordBatch[] | Promise<RecordBatch[]>;
  /** Release resources (model sessions, caches). */
  close?: () => void | Promise<void>;
  /** Facts recorded in this stage's provenance entry (`details`), e.g. `{ modelSha256 }`. */
  provenance?: Record<string, string>;
  /** The StreamInfo the stages and sinks after this one receive (default: the one it received, unchanged). */
  info?: StreamInfo;
}

type AnyObjectSchema = z.ZodObject<any>;

interface PluginBase<S extends AnyObjectSchema> {
  /** Registry name used as `type:` in the pipeline YAML (kebab-case). */
  readonly name: string;
  /** Semantic version recorded in the provenance metadata. */
  readonly version: string;
  readonly description: string;
  /** zod schema of the config keys (without `type`/`name`); unknown keys are rejected. */
  readonly configSchema: S;
  /** Quality bits this plugin sets. */
  readonly flags?: readonly FlagDefinition[];
}

export interface StageDefinition<S extends AnyObjectSchema = AnyObjectSchema> extends PluginBase<S> {
  readonly kind: 'stage';
  /** The stage reads the `z` column (inference, tile-model): it does not run in a photo-z first pass, which has no z yet. */
  readonly readsRedshift?: boolean;
  /** The stage removes every pixel outside the galaxy segments (galaxy_id ≤ 0) whatever its values (snr-mask): the stage before it gets InitContext.segmentPixelsOnly. */
  readonly dropsOutsideSegments?: boolean;
  /** Batches processed concurrently (output order preserved). Default 1. */
  readonly concurrency?: number;
  create(config: z.infer<S>, init: InitContext): StageInstance | Promise<StageInstance>;
}

/**
 * A pull-driven batch source. The runner asks for the next batch only while the number of
 * batches in flight is below the high-water mark; `close` (or the iterator's `return`) must
 * release files.
 */
export interface BatchSource extends AsyncIterable<RecordBatch> {
  /** Run-level facts, known before the first batch (as Arrow's reader exposes `schema`): every source sets it (`minimalStreamInfo` for a source without bands). */
  readonly info: StreamInfo;
  /** Total pixels the source will produce, if known (for progress and ETA). */
  readonly totalRows?: number;
  readonly totalBatches?: number;
  close?(): Promise<void>;
}

export interface SourceDefinition<S extends AnyObjectSchema = AnyObjectSchema> extends PluginBase<S> {
  readonly kind: 'source';
  create(config: z.infer<S>, init: InitContext): BatchSource | Promise<BatchSource>;
}

export interface Sink {
  write(batch: RecordBatch): void | Promise<void>;
  /** Finish files; returns the paths written. */
  close(): string[] | Promise<string[]>;
  /** Abort: remove or leave partial files, but release handles. */
  abort?(): void | Promise<void>;
}

export interface SinkDefinition<S extends AnyObjectSchema = AnyObjectSchema> extends PluginBase<S> {
  readonly kind: 'sink';
  create(config: z.infer<S>, init: InitContext): Sink | Promise<Sink>;
}

export type PluginDefinition = StageDefinition | SourceDefinition | SinkDefinition;

/** Identity helpers that keep the config type inferred from the schema. */
export function defineStage<S extends AnyObjectSchema>(def: Omit<StageDefinition<S>, 'kind'>): StageDefinition<S> {
  return { kind: 'stage', ...def };
}
export function defineSource<S extends AnyObjectSchema>(def: Omit<SourceDefinition<S>, 'kind'>): SourceDefinition<S> {
  return { kind: 'source', ...def };
}
export function defineSink<S extends AnyObjectSchema>(def: Omit<SinkDefinition<S>, 'kind'>): SinkDefinition<S> {
  return { kind: 'sink', ...def };
}
