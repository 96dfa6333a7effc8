import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ConfigError, resolvedConfig, resolvedConfigHash, RunCancelledError, runPipeline, type PipelineConfig, type RunSummary, type ShardSpec } from '@pixsed/core';
import { loadPipeline, OutputTransaction, pipelineInputs, SUMMARY_FILE } from '@pixsed/core/node';
import { checkSamplingPlan, loadManifest } from '@pixsed/model/node';
import { resolveGalaxyRedshifts, type RedshiftPassSummary } from '@pixsed/inference/node';
import { createProgress, isWarning } from '../progress.js';
import { createRegistry } from '../registry.js';
import { PIXSED_VERSION } from '../version.js';
import { formatSummary } from '../summary.js';
import { REPORT_DIR, writeReportOrWarn } from '../report/write-run-report.js';
import { checkShardable, clearIncomplete, markIncomplete, resolveShard, shardCommand, shardDir, shardState, type ShardRun } from './shard.js';

export interface RunCommandOptions {
  out: string;
  set: string[];
  json?: boolean;
  quiet?: boolean;
  overwrite?: boolean;
  /** write <out>/report/ (HTML run report) at the end; default true (`--no-report`) */
  report?: boolean;
  /** `i/N` or `auto` (SLURM array task): run shard i of N into <out>/shards/part-<i>-of-<N>/ (ADR 0009) */
  shard?: string;
}

/** run-summary.json: the run's summary and the pixsed version that produced it, written last by a complete run; `files` (relative to --out) are what `--overwrite` replaces next time. */
export type CompleteRunSummary = { status: 'complete'; pixsedVersion: string } & RunSummary & { files: string[]; config: unknown; pipelineFile?: string; finishedAt: string; shardRun?: ShardRun; redshiftPass?: RedshiftPassSummary };

/** Memory of one onnxruntime call of a stage with `samplesPerPixel` and a model: samples × batchRows × parameters × 4 bytes (float32 samples). */
export interface InferenceMemory {
  stage: string;
  samplesPerPixel: number;
  batchRows: number;
  parameters: number;
  bytes: number;
}

const mb = (bytes: number) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`);

export const formatMemory = (m: InferenceMemory) =>
  `${m.stage}: samplesPerPixel ${m.samplesPerPixel} × batchRows ${m.batchRows} × ${m.parameters} parameters × 4 B = ${mb(m.bytes)} per inference call`;

/**
 * The memory estimate of every inference stage from its config values and its model manifest,
 * checked by the model's own sampling-plan rule (checkSamplingPlan: the bound the stage applies
 * when it is created), so validate-config and run refuse the same plans with the same message.
 * A model that cannot be read is skipped here: creating the stage reports it.
 */
export function inferenceMemory(config: PipelineConfig & { dir: string }): InferenceMemory[] {
  const out: InferenceMemory[] = [];
  config.stages.forEach((s, i) => {
    const c = s.config as { samplesPerPixel?: unknown; batchRows?: unknown; model?: unknown };
    if (typeof c.samplesPerPixel !== 'number' || typeof c.model !== 'string') return;
    let parameters: number;
    try {
      parameters = loadManifest(resolve(config.dir, c.model)).manifest.parameters.length;
    } catch {
      return;
    }
    const batchRows = typeof c.batchRows === 'number' ? c.batchRows : 1;
    checkSamplingPlan(c.samplesPerPixel, batchRows, parameters, {
      file: config.file,
      what: 'pipeline config',
      samplesKey: `stages[${i}].samplesPerPixel`,
      batchRowsKey: `stages[${i}].batchRows`,
    });
    out.push({ stage: s.name, samplesPerPixel: c.samplesPerPixel, batchRows, parameters, bytes: c.samplesPerPixel * batchRows * parameters * 4 });
  });
  return out;
}

export interface RunSetup {
  config: PipelineConfig & { dir: string };
  output: OutputTransaction;
  inputs: Map<string, string>;
  memory: InferenceMemory[];
}

/**
 * Everything `pixsed run` checks before streaming, shared with `validate-config` (one code path):
 * load and validate the YAML, the memory estimate, the input files, and the output folder (not an
 * input, creatable, empty unless --overwrite, no other run writing into it). `dryRun` creates
 * nothing in the output folder (validate-config); `exclusive: false` skips the emptiness check.
 */
export async function setUpRun(file: string, opts: { out: string; set: string[]; overwrite?: boolean; dryRun?: boolean; exclusive?: boolean; log: (m: string) => void }): Promise<RunSetup> {
  const config = await loadPipeline(file, createRegistry(), opts.set);
  const memory = inferenceMemory(config);
  const inputs = pipelineInputs(config);
  const output = await OutputTransaction.open(resolve(opts.out), { inputs, overwrite: opts.overwrite, dryRun: opts.dryRun, exclusive: opts.exclusive, log: opts.log });
  return { config, output, inputs, memory };
}

/**
 * `pixsed run`: check, run with progress, commit the outputs and write `run-summary.json` last.
 * Every file is written under `<out>/.pixsed-tmp-*` and renamed into place only when the run
 * completed; an error, SIGINT (exit 130) or SIGTERM (exit 143) removes the temporary folder and
 * leaves the results of an earlier complete run as they were.
 */
export async function runCommand(file: string, opts: RunCommandOptions): Promise<CompleteRunSummary> {
  let progress: ReturnType<typeof createProgress> | undefined;
  // every log line goes through the progress reporter: above the bar on a terminal, only warnings with --quiet
  const log = (m: string) => {
    if (progress) progress.log(m);
    else if (!opts.quiet || isWarning(m)) process.stderr.write(`[pixsed] ${m}\n`);
  };
  const controller = new AbortController();
  let name = file;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () =>
    controller.abort(new RunCancelledError(`run '${name}' cancelled by ${signal}: its partial outputs were removed; earlier results (if any) are unchanged`, signal));
  const onSigint = onSignal('SIGINT');
  const onSigterm = onSignal('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  let output: OutputTransaction | undefined;
  let shard: { spec: ShardSpec; dir: string; run: ShardRun } | undefined;
  try {
    let out = opts.out;
    let overwrite = opts.overwrite;
    if (opts.shard !== undefined) {
      const spec = resolveShard(opts.shard);
      const s = { spec, dir: shardDir(opts.out, spec), run: { pipelineFile: resolve(file), set: opts.set, out: resolve(opts.out) } };
      const skipped = await prepareShard(file, opts, s, log);
      if (skipped) return skipped;
      shard = s;
      out = s.dir;
      overwrite = true; // a shard folder holds this shard's earlier, incomplete attempt (or nothing): replaced
    }
    const setup = await setUpRun(file, { out, set: opts.set, overwrite, log });
    output = setup.output;
    const { config } = setup;
    name = config.name;
    if (controller.signal.aborted) throw controller.signal.reason;
    // galaxies without a catalogue z and an inference stage with a photo-z model: the first pass over their tiles (ADR 0010)
    const photoz = await resolveGalaxyRedshifts(config, { pipelineDir: config.dir, signal: controller.signal, log, pixsedVersion: PIXSED_VERSION, ...(shard ? { shard: shard.spec } : {}) });
    if (controller.signal.aborted) throw controller.signal.reason;
    const p = (progress = createProgress(process.stderr, config.run.progressIntervalSeconds, opts.quiet));
    const summary = await runPipeline(config, {
      ...(photoz ? { redshifts: photoz.redshifts } : {}),
      outDir: output.dir,
      output,
      pipelineDir: config.dir,
      signal: controller.signal,
      log,
      pixsedVersion: PIXSED_VERSION,
      onProgress: (e) => p.update(e),
      ...(shard ? { shard: shard.spec } : {}),
    });
    p.stop();
    if (controller.signal.aborted) throw controller.signal.reason; // a signal after the last batch: still cancelled, nothing committed
    const dir = output.dir;
    const finishedAt = new Date().toISOString();
    let report = opts.report !== false && !shard; // a shard's report would show a part: `pixsed merge` writes the run's
    const build = (files: string[]): CompleteRunSummary => ({
      status: 'complete',
      pixsedVersion: PIXSED_VERSION,
      ...summary,
      config: resolvedConfig(config),
      pipelineFile: config.file,
      finishedAt,
      outputs: [...summary.outputs, ...(report ? [resolve(dir, REPORT_DIR)] : []), resolve(dir, SUMMARY_FILE)],
      files: files.map((f) => relative(dir, f)),
      ...(shard ? { shardRun: shard.run } : {}),
      ...(photoz ? { redshiftPass: photoz.summary } : {}),
    });
    if (report) {
      // the report is a file of the run like the sinks' (written under the transaction's temporary folder)
      const sinkFiles = (await readdir(output.tempDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(dir, relative(output!.tempDir, join(e.parentPath, e.name))));
      report = await writeReportOrWarn(output, build([...sinkFiles, resolve(dir, SUMMARY_FILE)]), log);
    }
    let complete: CompleteRunSummary | undefined;
    // the marker goes just before the commit, whose run-summary.json comes last: a crash in between leaves neither (incomplete)
    if (shard) await clearIncomplete(shard.dir);
    await output.commit((files) => (complete = build(files)));
    if (opts.json) process.stdout.write(JSON.stringify(complete) + '\n');
    else if (!opts.quiet) process.stdout.write(formatSummary(complete!) + '\n');
    return complete!;
  } catch (err) {
    await output?.abort();
    if (shard) {
      const why = err instanceof RunCancelledError ? `cancelled by ${err.signal ?? 'an abort'}` : `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      await markIncomplete(shard.dir, shard.spec, shard.run, why).catch(() => undefined);
      log(`shard ${shard.spec.index}/${shard.spec.count} ${why}; ${shard.dir} is marked incomplete (${'INCOMPLETE.json'}): run it again with ${shardCommand(shard.run, shard.spec)}`);
    }
    throw err;
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }
}

/**
 * Before a shard runs: its sinks must be mergeable; a shard folder that is already complete with the same resolved
 * config and pixsed version is skipped (a resubmitted array re-runs only what is missing: returns its summary), one
 * complete with another config is refused unless --overwrite; otherwise it is marked incomplete for the run.
 */
async function prepareShard(file: string, opts: RunCommandOptions, s: { spec: ShardSpec; dir: string; run: ShardRun }, log: (m: string) => void): Promise<CompleteRunSummary | undefined> {
  const config = await loadPipeline(file, createRegistry(), opts.set);
  checkShardable(config);
  const st = await shardState(s.dir);
  if (st.state === 'complete') {
    const hash = resolvedConfigHash(config);
    if (st.summary.configHash === hash && st.summary.pixsedVersion === PIXSED_VERSION) {
      log(`shard ${s.spec.index}/${s.spec.count} is complete in ${s.dir} (config ${hash.slice(0, 12)}): skipped`);
      return st.summary as CompleteRunSummary;
    }
    if (!opts.overwrite) {
      throw new ConfigError(undefined, [{ path: '--shard', message: `${s.dir} holds a complete shard of another config or pixsed version (config ${String(st.summary.configHash).slice(0, 12)}, pixsed ${st.summary.pixsedVersion}; now ${hash.slice(0, 12)}, ${PIXSED_VERSION}): pass --overwrite to replace it, or choose another --out` }], 'option');
    }
  }
  await markIncomplete(s.dir, s.spec, s.run, 'running (or killed: a shard that ends normally removes this file)');
  return undefined;
}
