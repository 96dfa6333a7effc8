import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pool, runDifferences, spawnCli } from './test-helpers/shard-identity.js';

/**
 * Issue 17: the demo pipeline run as N = 1, 2, 3 and 5 shards (`pixsed run --shard i/N`, two at a time) and merged
 * (`pixsed merge`) gives the single run's results: the same pixel rows as a set, byte for byte (the single file and
 * the Parquet dataset), the same catalogue, the same maps bit for bit (apart from the DATE card: the run's start),
 * and a run summary with the same counts. Then the faults: missing, incomplete and mismatched shards, bad --shard
 * values, resubmitted complete shards, SIGTERM mid-shard. Spawns the built CLI (build first).
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const pipeline = join(root, 'pipelines/demo.yaml');
const ready = existsSync(bin) && existsSync(join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx')) && existsSync(join(root, 'test-data/mosaic/survey.json'));
// cheaper than the demo (the same config for the single run and every shard): 20 samples per pixel, no figures
const CHEAP = ['--set', 'stages.inference.samplesPerPixel=20', '--set', 'stages.inference.threads=1', '--set', 'sinks.galaxies.samplesPerGalaxy=50', '--set', 'sinks.galaxies.quicklooksDir=""'];
const NS = [1, 2, 3, 5];
const T = mkdtempSync(join(tmpdir(), 'pixsed-shards-'));
const single = join(T, 'single');
const outOf = (n: number) => join(T, `n${n}`);
afterAll(() => rmSync(T, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnCli(bin, args, { cwd: T });
const errorText = (stderr: string) => stderr.slice(stderr.indexOf('error: ')).trim();
const merges = new Map<number, Awaited<ReturnType<typeof cli>>>();

describe.skipIf(!ready)(ready ? 'sharded runs merged equal one run (demo, N = 1, 2, 3, 5)' : 'skipped: build apps/cli first (npx nx run-many -t build) and keep test-data/mosaic + the affine model', () => {
  beforeAll(async () => {
    const jobs = [() => cli('run', pipeline, '--out', single, '--quiet', '--no-report', ...CHEAP)];
    for (const n of NS) for (let i = 1; i <= n; i++) jobs.push(() => cli('run', pipeline, '--shard', `${i}/${n}`, '--out', outOf(n), '--quiet', ...CHEAP));
    const runs = await pool(jobs, 2);
    runs.forEach((r, k) => {
      if (r.code !== 0) throw new Error(`job ${k} exited ${r.code}: ${r.stderr}`);
    });
    for (const n of NS) merges.set(n, await cli('merge', outOf(n), '--json', ...(n === 2 ? [] : ['--no-report'])));
  }, 900_000);

  it.each(NS)('N = %i: merged = one run (pixel rows byte for byte, catalogue, maps, summary counts)', async (n) => {
    const m = merges.get(n)!;
    expect(m.code, m.stderr).toBe(0);
    expect(readdirSync(join(outOf(n), 'shards')).sort()).toEqual(Array.from({ length: n }, (_, k) => `part-${k + 1}-of-${n}`).sort());
    expect(await runDifferences(single, outOf(n))).toEqual([]);
    const s = JSON.parse(m.stdout);
    expect(s.shards.count).toBe(n);
    // rows in: every pixel of the 256×256 mosaic once, over all shards
    expect(s.shards.parts.reduce((a: number, p: { rowsIn: number }) => a + p.rowsIn, 0)).toBe(256 * 256);
    // no galaxy split: each galaxy's map comes from exactly one shard
    const from = new Map<string, number>();
    for (let i = 1; i <= n; i++) {
      const maps = join(outOf(n), 'shards', `part-${i}-of-${n}`, 'maps'); // a shard without galaxies has none
      for (const f of existsSync(maps) ? readdirSync(maps) : []) from.set(f, (from.get(f) ?? 0) + 1);
    }
    expect([...from.values()].every((c) => c === 1)).toBe(true);
    expect(from.size).toBe(5);
  });

  it('the merged Parquet dataset reads as one table in DuckDB (read_parquet of pixels/*.parquet)', async (ctx) => {
    let conn: { runAndReadAll(sql: string): Promise<{ getRowObjects(): Record<string, unknown>[] }> };
    try {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      conn = (await (await DuckDBInstance.create(':memory:')).connect()) as unknown as typeof conn;
    } catch (err) {
      console.warn(`skipping the DuckDB check: @duckdb/node-api unavailable (${(err as Error).message.split('\n')[0]})`);
      return ctx.skip();
    }
    const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjects();
    const a = `read_parquet('${join(single, 'pixels.parquet')}')`;
    const b = `read_parquet('${join(outOf(3), 'pixels')}/*.parquet')`;
    expect(Number((await q(`SELECT count(*) AS n FROM ${b}`))[0].n)).toBe(Number((await q(`SELECT count(*) AS n FROM ${a}`))[0].n));
    expect(Number((await q(`SELECT count(*) AS n FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b})`))[0].n)).toBe(0);
    expect(Number((await q(`SELECT count(*) AS n FROM (SELECT * FROM ${b} EXCEPT ALL SELECT * FROM ${a})`))[0].n)).toBe(0);
  });

  it('merge writes the HTML report of the merged run; pixsed report works on it', async () => {
    expect(existsSync(join(outOf(2), 'report', 'index.html'))).toBe(true);
    const html = readFileSync(join(outOf(2), 'report', 'index.html'), 'utf8');
    expect(html).toContain('65536'); // rows in of the whole mosaic
    const r = await cli('report', outOf(2));
    expect(r.code, r.stderr).toBe(0);
  });

  describe('faults', () => {
    const copyOf = (n: number, name: string) => {
      const d = join(T, name);
      cpSync(outOf(n), d, { recursive: true });
      return d;
    };

    it('a missing and an incomplete shard: exit 2, each listed by number with the command that runs it again', async () => {
      const d = copyOf(3, 'missing');
      rmSync(join(d, 'shards', 'part-2-of-3'), { recursive: true });
      writeFileSync(join(d, 'shards', 'part-3-of-3', 'INCOMPLETE.json'), JSON.stringify({ reason: 'cancelled by SIGTERM' }));
      const before = statSync(join(d, 'run-summary.json')).mtimeMs;
      const r = await cli('merge', d);
      expect(r.code).toBe(2);
      const e = errorText(r.stderr);
      expect(e).toMatch(/shard 2\/3: missing: run it again with: pixsed run \S+demo\.yaml --shard 2\/3 --out \S+ --set stages\.inference\.samplesPerPixel=20/);
      expect(e).toMatch(/shard 3\/3: incomplete \(cancelled by SIGTERM\): run it again with: pixsed run \S+ --shard 3\/3/);
      expect(e).toContain(`--set 'sinks.galaxies.quicklooksDir=""'`);
      expect(e).toMatch(/2 of 3 shards not complete \(2, 3\); in a SLURM array: sbatch --array=2,3/);
      expect(e).not.toMatch(/shard 1\/3/);
      expect(statSync(join(d, 'run-summary.json')).mtimeMs).toBe(before); // the earlier merged results are left alone
    });

    it('shards of another config or of two shard counts: exit 2 naming the shard', async () => {
      const d = copyOf(2, 'mismatch');
      const f = join(d, 'shards', 'part-2-of-2', 'run-summary.json');
      const s = JSON.parse(readFileSync(f, 'utf8'));
      writeFileSync(f, JSON.stringify({ ...s, configHash: 'f'.repeat(64) }));
      const r = await cli('merge', d);
      expect(r.code).toBe(2);
      expect(errorText(r.stderr)).toMatch(/shard 2\/2: resolved config hash f{64} differs from shard 1's/);
      cpSync(join(d, 'shards', 'part-1-of-2'), join(d, 'shards', 'part-1-of-4'), { recursive: true });
      const r2 = await cli('merge', d);
      expect(r2.code).toBe(2);
      expect(errorText(r2.stderr)).toMatch(/2 different shard counts \(of 2, of 4\)/);
      const r3 = await cli('merge', join(T, 'nothing-here'));
      expect(r3.code).toBe(2);
      expect(errorText(r3.stderr)).toMatch(/no shard folders/);
    });

    it.each([['0/2'], ['3/2'], ['a/b'], ['auto']])("--shard %s is an option error (exit 2)", async (v) => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLURM_')));
      const r = await spawnCli(bin, ['run', pipeline, '--shard', v, '--out', join(T, 'bad'), ...CHEAP], { cwd: T, env });
      expect(r.code).toBe(2);
      expect(errorText(r.stderr)).toMatch(v === 'auto' ? /SLURM_ARRAY_TASK_ID is not set/ : /expected i\/N with 1 ≤ i ≤ N/);
      expect(existsSync(join(T, 'bad'))).toBe(false);
    });

    it('a resubmitted complete shard is skipped (also as --shard auto in an array task); another config there is refused', async () => {
      const d = copyOf(2, 'resubmit');
      const f = join(d, 'shards', 'part-2-of-2', 'pixels.parquet');
      const before = statSync(f).mtimeMs;
      const env = { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '1', SLURM_ARRAY_TASK_COUNT: '2' };
      const r = await spawnCli(bin, ['run', pipeline, '--shard', 'auto', '--out', d, ...CHEAP], { cwd: T, env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/shard 2\/2 is complete in \S+part-2-of-2 \(config [0-9a-f]{12}\): skipped/);
      expect(statSync(f).mtimeMs).toBe(before);
      const other = await cli('run', pipeline, '--shard', '2/2', '--out', d, ...CHEAP, '--set', 'stages.snr-mask.snrThreshold=6');
      expect(other.code).toBe(2);
      expect(errorText(other.stderr)).toMatch(/holds a complete shard of another config or pixsed version .*--overwrite/);
    });

    it('pixsed slurm: the array runs --shard "$SLURM_ARRAY_TASK_ID/N", the merge waits for it (afterok); bad sbatch values are exit 2', async () => {
      const d = join(T, 'scripts');
      const r = await cli('slurm', pipeline, '--shards', '4', '--out', d, '--partition', 'short', '--time', '1-02:00:00', '--mem', '4G', '--cpus-per-task', '2', ...CHEAP);
      expect(r.code, r.stderr).toBe(0);
      const array = readFileSync(join(d, 'slurm', 'shards.sbatch'), 'utf8');
      for (const line of ['#SBATCH --array=1-4', '#SBATCH --partition=short', '#SBATCH --time=1-02:00:00', '#SBATCH --mem=4G', '#SBATCH --cpus-per-task=2']) expect(array).toContain(line);
      expect(array).toMatch(/exec \$PIXSED run \S+demo\.yaml --shard "\$\{SLURM_ARRAY_TASK_ID\}\/4" --out \S+scripts --set stages\.inference\.samplesPerPixel=20/);
      expect(readFileSync(join(d, 'slurm', 'merge.sbatch'), 'utf8')).toMatch(/#SBATCH --kill-on-invalid-dep=yes[\s\S]*exec \$PIXSED merge \S+scripts/);
      expect(readFileSync(join(d, 'slurm', 'submit.sh'), 'utf8')).toMatch(/sbatch --parsable --dependency=afterok:"\$array" \S+merge\.sbatch/);
      expect(r.stdout).toMatch(/sbatch --dependency=afterok:\$array \S+merge\.sbatch/);
      const bad = await cli('slurm', pipeline, '--shards', '0', '--out', join(T, 'scripts-bad'), '--time', '2h', '--mem', '4Q', '--cpus-per-task', 'two');
      expect(bad.code).toBe(2);
      const e = errorText(bad.stderr);
      for (const m of [/--shards: '0': expected an integer ≥ 1/, /--time: '2h': expected sbatch's formats/, /--mem: '4Q': expected a size/, /--cpus-per-task: 'two'/]) expect(e).toMatch(m);
      expect(existsSync(join(T, 'scripts-bad'))).toBe(false);
    });

    it('a sink merge cannot combine is refused before the shard runs', async () => {
      const yaml = readFileSync(pipeline, 'utf8').replaceAll('../test-data/', `${join(root, 'test-data')}/`) + '  - type: arrow-ipc\n';
      writeFileSync(join(T, 'arrow.yaml'), yaml);
      const r = await cli('run', join(T, 'arrow.yaml'), '--shard', '1/2', '--out', join(T, 'arrow-out'), ...CHEAP);
      expect(r.code).toBe(2);
      expect(errorText(r.stderr)).toMatch(/sinks\[2\]\.type: 'arrow-ipc': pixsed merge cannot combine/);
    });

    it('SIGTERM mid-shard: exit 143, the shard folder marked incomplete, no file under a final name; merge lists it', async () => {
      const d = join(T, 'term');
      const dir = join(d, 'shards', 'part-1-of-2');
      const child = spawn(process.execPath, [bin, 'run', pipeline, '--shard', '1/2', '--out', d, '--set', 'stages.inference.samplesPerPixel=400', '--set', 'run.progressIntervalSeconds=0.05'], { cwd: T, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (x) => (stderr += x));
      const done = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      const t0 = Date.now();
      while (!/px inferred/.test(stderr) && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 100));
      expect(readdirSync(dir).some((n) => n.startsWith('.pixsed-tmp-'))).toBe(true); // writing
      child.kill('SIGTERM');
      expect(await done).toBe(143);
      expect(readdirSync(dir)).toEqual(['INCOMPLETE.json']);
      const marker = JSON.parse(readFileSync(join(dir, 'INCOMPLETE.json'), 'utf8'));
      expect(marker.reason).toBe('cancelled by SIGTERM');
      expect(marker.command).toMatch(/pixsed run \S+demo\.yaml --shard 1\/2 --out \S+term --set stages\.inference\.samplesPerPixel=400/);
      const r = await cli('merge', d);
      expect(r.code).toBe(2);
      expect(errorText(r.stderr)).toMatch(/shard 1\/2: incomplete \(cancelled by SIGTERM\)[\s\S]*shard 2\/2: missing/);
    }, 180_000);
  });
});
