import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { loadPipeline } from '@pixsed/core/node';
import { createRegistry } from '../registry.js';
import { checkShardable } from './shard.js';

export interface SlurmCommandOptions {
  shards: string;
  out: string;
  set: string[];
  partition?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: string;
  /** how the scripts start pixsed (default: this Node.js and this CLI's main.js, absolute paths) */
  pixsed?: string;
  quiet?: boolean;
}

/** Folder of the scripts and logs: `<out>/slurm/`. */
export const SLURM_DIR = 'slurm';

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** sbatch's --time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2})$/;
/** sbatch's --mem: a size with an optional K, M, G or T suffix. */
const MEM = /^\d+[KMGT]?$/i;

export interface SlurmScripts {
  dir: string;
  array: string;
  merge: string;
  submit: string;
  commands: string[];
}

/**
 * `pixsed slurm <pipeline.yaml> --shards N --out DIR`: writes `DIR/slurm/shards.sbatch` (an array job of N tasks,
 * task i = `pixsed run --shard i/N`), `DIR/slurm/merge.sbatch` (`pixsed merge DIR`) and `DIR/slurm/submit.sh`, which
 * submits the array and then the merge with `--dependency=afterok:<array job id>`; prints the commands. The
 * pipeline is loaded and checked first (a config error is reported here, not in N jobs).
 */
export async function slurmCommand(file: string, opts: SlurmCommandOptions): Promise<SlurmScripts> {
  const issues: { path: string; message: string }[] = [];
  const n = Number(opts.shards);
  if (!/^\d+$/.test(String(opts.shards).trim()) || !(n >= 1)) issues.push({ path: '--shards', message: `'${opts.shards}': expected an integer ≥ 1` });
  if (opts.time !== undefined && !TIME.test(opts.time)) issues.push({ path: '--time', message: `'${opts.time}': expected sbatch's formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS` });
  if (opts.mem !== undefined && !MEM.test(opts.mem)) issues.push({ path: '--mem', message: `'${opts.mem}': expected a size such as 4G or 4000M` });
  if (opts.cpusPerTask !== undefined && !(/^\d+$/.test(opts.cpusPerTask) && Number(opts.cpusPerTask) >= 1)) issues.push({ path: '--cpus-per-task', message: `'${opts.cpusPerTask}': expected an integer ≥ 1` });
  if (opts.partition !== undefined && !/^[\w.,-]+$/.test(opts.partition)) issues.push({ path: '--partition', message: `'${opts.partition}': expected a partition name (letters, digits, _ . - ,)` });
  if (issues.length) throw new ConfigError(undefined, issues, 'option');
  const config = await loadPipeline(file, createRegistry(), opts.set);
  checkShardable(config);
  const out = resolve(opts.out);
  const dir = join(out, SLURM_DIR);
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const pixsed = opts.pixsed ?? [process.execPath, resolve(process.argv[1])].map(quote).join(' ');
  const name = `pixsed-${config.name}`.replace(/[^\w.-]/g, '_');
  const resources = [
    ...(opts.partition ? [`#SBATCH --partition=${opts.partition}`] : []),
    ...(opts.time ? [`#SBATCH --time=${opts.time}`] : []),
    ...(opts.mem ? [`#SBATCH --mem=${opts.mem}`] : []),
    ...(opts.cpusPerTask ? [`#SBATCH --cpus-per-task=${opts.cpusPerTask}`] : []),
  ];
  const set = opts.set.flatMap((v) => ['--set', v]).map(quote).join(' ');
  const header = (job: string, extra: string[]) => ['#!/bin/bash', `#SBATCH --job-name=${job}`, `#SBATCH --chdir=${quote(process.cwd())}`, ...extra, ...resources];
  const array = [
    ...header(name, [`#SBATCH --array=1-${n}`, `#SBATCH --output=${logs}/shard-%a.out`]),
    `# pixsed shard \${SLURM_ARRAY_TASK_ID} of ${n} into ${out}/shards/part-<i>-of-${n}/ (written by 'pixsed slurm').`,
    '# Resubmitting this array re-runs only the shards that are not complete; at the time limit SLURM sends SIGTERM:',
    '# the shard stops cleanly, exit 143, its folder marked incomplete (INCOMPLETE.json).',
    'set -euo pipefail',
    `PIXSED=\${PIXSED:-${pixsed}}`,
    `exec $PIXSED run ${quote(resolve(file))} --shard "\${SLURM_ARRAY_TASK_ID}/${n}" --out ${quote(out)} ${set}`.trimEnd(),
    '',
  ].join('\n');
  const merge = [
    ...header(`${name}-merge`, ['#SBATCH --kill-on-invalid-dep=yes', `#SBATCH --output=${logs}/merge.out`]),
    `# merges the ${n} shards of ${out} (submitted with --dependency=afterok:<array job id> by submit.sh)`,
    'set -euo pipefail',
    `PIXSED=\${PIXSED:-${pixsed}}`,
    `exec $PIXSED merge ${quote(out)}`,
    '',
  ].join('\n');
  const arrayFile = join(dir, 'shards.sbatch');
  const mergeFile = join(dir, 'merge.sbatch');
  const submitFile = join(dir, 'submit.sh');
  const submit = [
    '#!/bin/bash',
    `# submits the ${n} shards of ${config.name} as one array job and the merge after it (written by 'pixsed slurm')`,
    'set -euo pipefail',
    `array=$(sbatch --parsable ${quote(arrayFile)})`,
    'array=${array%%;*}',
    `merge=$(sbatch --parsable --dependency=afterok:"$array" ${quote(mergeFile)})`,
    'merge=${merge%%;*}',
    `echo "array job $array (${n} shards), merge job $merge (runs when every shard succeeded); logs in ${logs}"`,
    '',
  ].join('\n');
  await writeFile(arrayFile, array);
  await writeFile(mergeFile, merge);
  await writeFile(submitFile, submit);
  await chmod(submitFile, 0o755);
  const commands = [`array=$(sbatch --parsable ${quote(arrayFile)})`, `sbatch --dependency=afterok:$array ${quote(mergeFile)}`];
  if (!opts.quiet) {
    process.stdout.write(
      [`wrote ${arrayFile} (${n} array tasks), ${mergeFile} and ${submitFile}`, 'submit with:', `  ${submitFile}`, 'or:', ...commands.map((c) => `  ${c}`), ''].join('\n'),
    );
  }
  return { dir, array: arrayFile, merge: mergeFile, submit: submitFile, commands };
}
