import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDifferences, spawnCli } from './test-helpers/shard-identity.js';

/**
 * Issue 17 on a real SLURM: `pixsed slurm` writes the scripts of a 3-shard demo run, its submit.sh submits the
 * array and the merge (--dependency=afterok), the test waits for the merge job (bounded) and compares the merged
 * folder with a single run. Needs running daemons: `.ci/run` starts a one-node SLURM with tools/ci/slurm-up.sh and
 * sets PIXSED_SLURM=1; elsewhere (a laptop's `npm test`) the test skips with the reason.
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const pipeline = join(root, 'pipelines/demo.yaml');
const CHEAP = ['--set', 'stages.inference.samplesPerPixel=20', '--set', 'stages.inference.threads=1', '--set', 'sinks.galaxies.samplesPerGalaxy=50', '--set', 'sinks.galaxies.quicklooksDir=""'];
const WAIT_S = Number(process.env.PIXSED_SLURM_WAIT_S ?? 600);

function why(): string | undefined {
  if (process.env.PIXSED_SLURM !== '1') return `PIXSED_SLURM is not 1${process.env.PIXSED_SLURM_UNAVAILABLE ? ` (${process.env.PIXSED_SLURM_UNAVAILABLE})` : ''}: start a one-node SLURM with eval "$(bash tools/ci/slurm-up.sh)" (as .ci/run does)`;
  if (!existsSync(bin)) return 'build apps/cli first (npx nx run-many -t build)';
  const s = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 20_000 });
  if (s.status !== 0) return `sinfo fails (${(s.stderr || s.error?.message || '').trim()}): slurmctld is not running or SLURM_CONF is not set`;
  if (!/idle|mix|alloc/.test(s.stdout)) return `no usable node (sinfo says '${s.stdout.trim()}')`;
  return undefined;
}
const skip = why();
if (skip) console.warn(`skipping the SLURM test: ${skip}`);

const T = mkdtempSync(join(tmpdir(), 'pixsed-slurm-'));
const single = join(T, 'single');
const out = join(T, 'sharded');
afterAll(() => rmSync(T, { recursive: true, force: true }));

/** JobState of a job (or of every task of an array job) from scontrol; [] once SLURM forgot it. */
function jobStates(id: string): string[] {
  const r = spawnSync('scontrol', ['show', 'job', id, '-o'], { encoding: 'utf8' });
  return [...(r.stdout ?? '').matchAll(/JobState=(\S+)/g)].map((m) => m[1]);
}

/** The daemons' and jobs' logs, for a failure message. */
function slurmLogs(): string {
  const parts: string[] = [];
  const logs = join(out, 'slurm', 'logs');
  for (const f of existsSync(logs) ? readdirSync(logs) : []) parts.push(`--- ${f}\n${readFileSync(join(logs, f), 'utf8').slice(-3000)}`);
  const dir = process.env.PIXSED_SLURM_DIR ?? '/tmp/pixsed-slurm';
  for (const f of ['slurmctld.log', 'slurmd.log']) if (existsSync(join(dir, 'log', f))) parts.push(`--- ${f}\n${readFileSync(join(dir, 'log', f), 'utf8').split('\n').slice(-30).join('\n')}`);
  parts.push(`--- squeue\n${spawnSync('squeue', ['-a'], { encoding: 'utf8' }).stdout ?? ''}`);
  return parts.join('\n');
}

describe.skipIf(!!skip)(skip ? `skipped: ${skip}` : 'pixsed slurm on a real SLURM: 3 shards as an array job, merged after it, = one run', () => {
  let wall = 0;
  let ids: { array: string; merge: string } | undefined;
  beforeAll(async () => {
    const s = await spawnCli(bin, ['run', pipeline, '--out', single, '--quiet', '--no-report', ...CHEAP]);
    if (s.code !== 0) throw new Error(`the single run failed: ${s.stderr}`);
  }, 300_000);

  it('submit.sh runs the array and the merge; the merged folder equals the single run', async () => {
    const g = await spawnCli(bin, ['slurm', pipeline, '--shards', '3', '--out', out, '--time', '15:00', '--cpus-per-task', '1', ...CHEAP]);
    expect(g.code, g.stderr).toBe(0);
    expect(g.stdout).toMatch(/sbatch --dependency=afterok:\$array /);
    const t0 = Date.now();
    const sub = spawnSync('bash', [join(out, 'slurm', 'submit.sh')], { encoding: 'utf8', timeout: 60_000 });
    expect(sub.status, `${sub.stdout}\n${sub.stderr}`).toBe(0);
    const m = /array job (\d+) \(3 shards\), merge job (\d+)/.exec(sub.stdout);
    expect(m, sub.stdout).not.toBeNull();
    ids = { array: m![1], merge: m![2] };
    let states: string[] = [];
    while (Date.now() - t0 < WAIT_S * 1000) {
      states = jobStates(ids.merge);
      if (states.length && states.every((x) => !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(x))) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    wall = (Date.now() - t0) / 1000;
    if (states[0] !== 'COMPLETED') throw new Error(`the merge job ${ids.merge} is ${states.join(',') || 'gone'} after ${wall.toFixed(0)} s (limit ${WAIT_S} s; array ${ids.array}: ${jobStates(ids.array).join(',')})\n${slurmLogs()}`);
    expect(jobStates(ids.array).every((x) => x === 'COMPLETED')).toBe(true);
    console.log(`SLURM: 3 shards + merge in ${wall.toFixed(1)} s wall (submit → merge COMPLETED); merge log:\n${readFileSync(join(out, 'slurm', 'logs', 'merge.out'), 'utf8').trim()}`);
    expect(await runDifferences(single, out)).toEqual([]);
    // resubmitting the array skips the complete shards: they log it and exit 0
    const again = spawnSync('sbatch', ['--parsable', '--wait', join(out, 'slurm', 'shards.sbatch')], { encoding: 'utf8', timeout: 300_000 });
    expect(again.status, `${again.stderr}\n${slurmLogs()}`).toBe(0);
    for (const i of [1, 2, 3]) expect(readFileSync(join(out, 'slurm', 'logs', `shard-${i}.out`), 'utf8')).toMatch(new RegExp(`shard ${i}/3 is complete in \\S+ \\(config [0-9a-f]{12}\\): skipped`));
  }, (WAIT_S + 400) * 1000);

  it('SIGTERM from SLURM (as at the time limit) ends a shard cleanly: exit 143, its folder marked incomplete', async () => {
    const slow = join(T, 'slow');
    const g = await spawnCli(bin, ['slurm', pipeline, '--shards', '2', '--out', slow, '--set', 'stages.inference.samplesPerPixel=400', '--set', 'run.progressIntervalSeconds=0.2']);
    expect(g.code, g.stderr).toBe(0);
    const sub = spawnSync('sbatch', ['--parsable', '--array=1', join(slow, 'slurm', 'shards.sbatch')], { encoding: 'utf8' });
    expect(sub.status, sub.stderr).toBe(0);
    const task = `${sub.stdout.trim().split(';')[0]}_1`;
    const log = join(slow, 'slurm', 'logs', 'shard-1.out');
    const t0 = Date.now();
    while (!(existsSync(log) && /px inferred/.test(readFileSync(log, 'utf8'))) && Date.now() - t0 < WAIT_S * 1000) await new Promise((r) => setTimeout(r, 500));
    expect(existsSync(log) && /px inferred/.test(readFileSync(log, 'utf8')), slurmLogs()).toBe(true);
    // scancel --batch --signal=TERM: the signal the batch step gets at the time limit (the script exec's pixsed)
    expect(spawnSync('scancel', ['--batch', '--signal=TERM', task], { encoding: 'utf8' }).status).toBe(0);
    let states: string[] = [];
    while (Date.now() - t0 < WAIT_S * 1000) {
      states = jobStates(task);
      if (states.length && !['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING'].includes(states[0])) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const detail = spawnSync('scontrol', ['show', 'job', task, '-o'], { encoding: 'utf8' }).stdout;
    expect(detail, slurmLogs()).toMatch(/ExitCode=143:0/);
    const dir = join(slow, 'shards', 'part-1-of-2');
    expect(readdirSync(dir)).toEqual(['INCOMPLETE.json']);
    expect(JSON.parse(readFileSync(join(dir, 'INCOMPLETE.json'), 'utf8')).reason).toBe('cancelled by SIGTERM');
    expect(readFileSync(log, 'utf8')).toMatch(/cancelled by SIGTERM/);
  }, (WAIT_S + 60) * 1000);
});
