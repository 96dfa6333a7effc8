import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, parseShardSpec, shardLabel, type PipelineConfig, type ShardSpec } from '@pixsed/core';
import { SUMMARY_FILE } from '@pixsed/core/node';

/** Folder of the shards of a run: `<out>/shards/part-<i>-of-<N>/`. */
export const SHARDS_DIR = 'shards';
/** A shard's folder holds this file from the moment the shard starts until just before its outputs are committed, and again after a failure or a signal. */
export const INCOMPLETE_MARKER = 'INCOMPLETE.json';
/** Sinks whose outputs `pixsed merge` can combine. */
export const MERGEABLE_SINKS = ['parquet', 'galaxies'] as const;

export const shardDir = (out: string, s: ShardSpec) => join(resolve(out), SHARDS_DIR, shardLabel(s));

/** How to run shard `s` again: the command line of `pixsed run` (pipeline, --set values, --out). */
export interface ShardRun {
  pipelineFile: string;
  set: string[];
  out: string;
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** `pixsed run <pipeline> --shard i/N --out <out> [--set k=v]...` for a shard (what merge prints for a missing one). */
export function shardCommand(run: ShardRun, s: ShardSpec): string {
  return ['pixsed', 'run', run.pipelineFile, '--shard', `${s.index}/${s.count}`, '--out', run.out, ...run.set.flatMap((v) => ['--set', v])].map(quote).join(' ');
}

/**
 * `--shard i/N`, or `--shard auto` inside a SLURM array task: shard SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1
 * of SLURM_ARRAY_TASK_MAX − SLURM_ARRAY_TASK_MIN + 1 (so `--array=0-3` and `--array=1-4` both give shards 1..4),
 * or, without MIN/MAX, task id i of SLURM_ARRAY_TASK_COUNT numbered from 1 (`--array=1-N`). An array with gaps
 * or a step (`--array=2,4`, `--array=1-9:2`) cannot say N: pass `--shard "$SLURM_ARRAY_TASK_ID/N"` (what `pixsed slurm` writes).
 */
export function resolveShard(value: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  if (value.trim() !== 'auto') return parseShardSpec(value);
  const bad = (message: string) => new ConfigError(undefined, [{ path: '--shard auto', message }], 'option');
  const int = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v.trim())) throw bad(`${name}='${v}' is not a non-negative integer`);
    return Number(v);
  };
  const id = int('SLURM_ARRAY_TASK_ID');
  if (id === undefined) throw bad('SLURM_ARRAY_TASK_ID is not set (not inside a SLURM array task): pass --shard i/N');
  const [min, max, count, step] = [int('SLURM_ARRAY_TASK_MIN'), int('SLURM_ARRAY_TASK_MAX'), int('SLURM_ARRAY_TASK_COUNT'), int('SLURM_ARRAY_TASK_STEP')];
  if (min !== undefined && max !== undefined) {
    const n = max - min + 1;
    if ((step !== undefined && step !== 1) || (count !== undefined && count !== n)) {
      throw bad(`the array (tasks ${min}-${max}, ${count ?? '?'} tasks, step ${step ?? 1}) has gaps or a step, so it does not tell the shard count: pass --shard "$SLURM_ARRAY_TASK_ID/N"`);
    }
    return parseShardSpec(`${id - min + 1}/${n}`, '--shard auto (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN + 1 / SLURM_ARRAY_TASK_MAX − SLURM_ARRAY_TASK_MIN + 1)');
  }
  if (count === undefined) throw bad('SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MIN and _MAX) is not set: pass --shard i/N');
  return parseShardSpec(`${id}/${count}`, '--shard auto (SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, tasks numbered from 1)');
}

/** Every sink of a sharded pipeline must be one merge can combine, and none may write under `shards/`. */
export function checkShardable(config: PipelineConfig): void {
  const issues = config.sinks.flatMap((s, i) => {
    const out = [];
    if (!(MERGEABLE_SINKS as readonly string[]).includes(s.type)) out.push({ path: `sinks[${i}].type`, message: `'${s.type}': pixsed merge cannot combine this sink's shards (it combines ${MERGEABLE_SINKS.join(', ')}); remove it for a sharded run` });
    for (const [k, v] of Object.entries(s.config as Record<string, unknown>)) {
      for (const p of Array.isArray(v) ? v : [v]) {
        if (typeof p === 'string' && (p === SHARDS_DIR || p.replace(/^\.\//, '').startsWith(`${SHARDS_DIR}/`))) out.push({ path: `sinks[${i}].${k}`, message: `'${p}': ${SHARDS_DIR}/ holds the shards of a sharded run` });
      }
    }
    return out;
  });
  if (issues.length) throw new ConfigError(config.file, issues);
}

export type ShardState = { state: 'complete'; summary: Record<string, any> } | { state: 'incomplete'; reason: string; marker?: Record<string, any> } | { state: 'absent' };

/** A shard folder's state: complete (a run-summary.json with status complete and no INCOMPLETE.json), incomplete (with the marker's reason) or absent. */
export async function shardState(dir: string): Promise<ShardState> {
  if (!existsSync(dir)) return { state: 'absent' };
  let marker: Record<string, any> | undefined;
  if (existsSync(join(dir, INCOMPLETE_MARKER))) {
    try {
      marker = JSON.parse(await readFile(join(dir, INCOMPLETE_MARKER), 'utf8'));
    } catch {
      marker = {};
    }
  }
  let summary: Record<string, any> | undefined;
  try {
    summary = JSON.parse(await readFile(join(dir, SUMMARY_FILE), 'utf8'));
  } catch {
    summary = undefined;
  }
  if (marker) return { state: 'incomplete', reason: String(marker.reason ?? 'marked incomplete'), marker };
  if (summary?.status === 'complete') return { state: 'complete', summary };
  return { state: 'incomplete', reason: summary ? `${SUMMARY_FILE} says status '${summary.status}'` : `no ${SUMMARY_FILE}` };
}

/** Writes INCOMPLETE.json atomically (tmp + rename): the shard's state, its reason and how to run it again. */
export async function markIncomplete(dir: string, s: ShardSpec, run: ShardRun, reason: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${INCOMPLETE_MARKER}.${process.pid}`);
  const body = { status: 'incomplete', shard: s, reason, pid: process.pid, at: new Date().toISOString(), command: shardCommand(run, s), run };
  await writeFile(tmp, JSON.stringify(body, null, 2) + '\n');
  await rename(tmp, join(dir, INCOMPLETE_MARKER));
}

export async function clearIncomplete(dir: string): Promise<void> {
  await rm(join(dir, INCOMPLETE_MARKER), { force: true });
}
