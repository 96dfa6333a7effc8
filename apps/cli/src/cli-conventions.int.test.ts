import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** CLI conventions, by spawning the built binary: exit codes, --version, --quiet, progress lines, validate's output folder, npx pixsed. */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx');
const pixsed = (args: string[], cwd = root) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd });

describe('pixsed CLI conventions', () => {
  it.each([
    ['an unknown option', ['--bogus']],
    ['an unknown command', ['frobnicate']],
    ['no command', []],
    ['a missing argument', ['run']],
    ['a missing required option', ['infer', '--model', model]],
    ['an option value of the wrong type', ['validate', '--model', model, '--n', 'abc']],
    ['both --mocks and --n', ['validate', '--model', model, '--n', '10', '--mocks', 'x']],
    ['a missing pipeline file', ['run', 'no-such-pipeline.yaml']],
    ['an unknown config key in --set', ['validate-config', 'pipelines/demo.yaml', '--set', 'stages.psf.noSuchKey=1']],
  ])('exit 2 for a usage or config error: %s', (_what, args) => {
    const r = pixsed(args);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/error|Usage: pixsed/i);
  });

  it('exit 0 for --help; --version prints the pixsed, Node.js and onnxruntime-node versions', () => {
    expect(pixsed(['--help']).status).toBe(0);
    const v = pixsed(['--version']);
    expect(v.status).toBe(0);
    const cli = JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).version;
    const ort = JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
    expect(v.stdout.trim().split('\n')).toEqual([`pixsed ${cli}`, `node ${process.versions.node}`, `onnxruntime-node ${ort}`]);
  });

  it('npx pixsed works from the repository root (the root bin)', () => {
    const r = spawnSync('npx', ['--no-install', 'pixsed', '--version'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^pixsed \d+\.\d+\.\d+/);
  });

  it('--quiet prints nothing for a clean run; without it, progress lines count pixels inferred against the pixels the mask keeps, with an ETA in s or min', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-cli-'));
    try {
      const set = ['--set', 'stages.inference.samplesPerPixel=16', '--set', 'sinks.galaxies.samplesPerGalaxy=50', '--set', 'run.progressIntervalSeconds=0.001'];
      const quiet = pixsed(['demo', '--out', join(dir, 'q'), '--quiet', ...set]);
      expect(quiet.status, quiet.stderr).toBe(0);
      expect(quiet.stdout + quiet.stderr).toBe('');
      const loud = pixsed(['demo', '--out', join(dir, 'l'), ...set]);
      expect(loud.status, loud.stderr).toBe(0);
      const summary = JSON.parse(readFileSync(join(dir, 'l', 'run-summary.json'), 'utf8'));
      const lines = loud.stderr.split('\n').filter((l) => l.includes('px inferred'));
      expect(lines.length).toBeGreaterThanOrEqual(2);
      // the expected count is the mask's from the first line (the demo drops nothing inside segments), and is reached
      for (const l of lines) expect(l).toMatch(new RegExp(`^\\[pixsed\\] \\d+/${summary.rowsOut} px inferred \\(\\d+\\.\\d %\\), \\d+/65536 px read, .* ETA (\\d+ s|\\d+\\.\\d min|\\?)$`));
      expect(lines.at(-1)).toMatch(new RegExp(`^\\[pixsed\\] ${summary.rowsOut}/${summary.rowsOut} px inferred \\(100\\.0 %\\)`));
      expect(loud.stdout).toMatch(/^pipeline {6}demo/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('validate without --out writes to validation-<model name> in the current folder and says so', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pixsed-validate-'));
    try {
      const r = pixsed(['validate', '--model', model, '--n', '40', '--samples', '20', '--json'], cwd);
      expect(r.status, r.stderr).toBe(0);
      const out = join(cwd, 'validation-jades-delayed-tau-affine');
      expect(r.stderr).toContain(`writing the validation outputs to ${out}`);
      expect(existsSync(join(out, 'validation.json'))).toBe(true);
      expect(existsSync(join(cwd, 'validation'))).toBe(false);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
