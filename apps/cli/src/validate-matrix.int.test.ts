import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasData, missingDataMessage } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const model = join(root, 'test-data/models/jades-delayed-tau-affine/model.onnx');
const NEED = ['ssp/maraston05/sed.krz002.rhb', 'ssp/bc03-miles/lum_lsun_per_aa.npy', 'noise/jades/mean_sigma_jades_res_bins.npy'];
const ready = hasData(...NEED) && existsSync(model);

describe.skipIf(!ready)(ready ? 'pixsed validate-matrix (train on A, test on B)' : `${missingDataMessage(...NEED)} (or the shipped model is missing)`, () => {
  it('validates a model on mocks of each SSP library per S/N bin, the same rows for every model, and names what it was trained on', () => {
    const out = mkdtempSync(join(tmpdir(), 'pixsed-matrix-'));
    const r = spawnSync(
      process.execPath,
      [bin, 'validate-matrix', '--models', `${model},${model}`, '--libraries', 'maraston05,bc03-miles', '--n', '1500', '--samples', '50', '--out', out],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8'));
    expect(m.cells).toHaveLength(2 * 2 * 2); // models × test libraries × S/N bins
    for (const c of m.cells) {
      expect(c.trainedOn).toMatch(/^maraston05/); // manifest without sps: Maraston (2005)
      for (const p of ['log_mstar', 'log_sfr100', 'log_age_mw', 'metallicity', 'av']) expect(Object.keys(c.parameters[p]).sort()).toEqual(['bias', 'coverage68', 'coverage95', 'nmad', 'r2', 'tarpAtc']);
    }
    // the same model twice on the same mocks with the same seed gives the same numbers (same rows, seeded sampling)
    const key = (c: { test: string; snrBin: string }) => `${c.test}|${c.snrBin}`;
    const first = m.cells.slice(0, 2);
    for (const c of first) {
      const twin = m.cells.filter((x: typeof c) => key(x) === key(c));
      expect(twin).toHaveLength(2);
      expect(twin[1].parameters.log_mstar.bias).toBe(twin[0].parameters.log_mstar.bias);
      expect(twin[1].nMocks).toBe(twin[0].nMocks);
    }
    // the S/N bins partition the selection: no mock is in both
    const bins = m.cells.filter((c: { test: string; model: string }) => c.test === 'maraston05').slice(0, 2);
    expect(bins.map((c: { snrBin: string }) => c.snrBin).sort()).toEqual(['snr5-10', 'snr>=10']);
    expect(r.stdout).toContain('| model (trained on) | S/N |');
  }, 600_000);

  it('--noise: each test column is a (library, noise model) pair, with per-cell coverage of every parameter, joint TARP and a ±3 % verdict', () => {
    const out = mkdtempSync(join(tmpdir(), 'pixsed-matrix-noise-'));
    const r = spawnSync(
      process.execPath,
      [bin, 'validate-matrix', '--models', model, '--libraries', 'maraston05', '--noise', 'sbipix,floor5,scale3', '--n', '600', '--samples', '40', '--out', out],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8'));
    expect(m.cells).toHaveLength(3 * 2); // noise models × S/N bins
    expect(m.cells.map((c: { test: string }) => c.test)).toEqual(['maraston05/sbipix', 'maraston05/sbipix', 'maraston05/floor5', 'maraston05/floor5', 'maraston05/scale3', 'maraston05/scale3']);
    const byNoise = Object.fromEntries(m.cells.map((c: { noise: string; noiseConfig: unknown }) => [c.noise, c.noiseConfig]));
    expect(byNoise.floor5).toEqual({ missingBandProbability: 0, mode: 'sbipix', floorFraction: 0.05 });
    expect(byNoise.scale3).toEqual({ missingBandProbability: 0, mode: 'sbipix', errorScale: { fraction: 1, min: 3, max: 3 } });
    for (const c of m.cells) {
      expect(c.library).toBe('maraston05');
      for (const k of ['ecp68', 'ecp95', 'atc', 'atcStdErr']) expect(Number.isFinite(c.jointTarp[k]), k).toBe(true);
    }
    // one table row per cell, its verdict consistent with the cell's coverages in matrix.json
    const rows = r.stdout.split('\n').filter((l) => /^\| jades-delayed-tau-affine v\d+\.\d+\.\d+ \| snr/.test(l) && l.includes('maraston05/'));
    expect(rows).toHaveLength(6);
    for (const c of m.cells) {
      const row = rows.find((l) => l.includes(`| ${c.snrBin} | ${c.test} |`))!;
      const p = Object.values(c.parameters) as { coverage68: number; coverage95: number }[];
      const ok = p.every((q) => Math.abs(q.coverage68 - 0.68) <= 0.03 && Math.abs(q.coverage95 - 0.95) <= 0.03);
      expect(row).toMatch(ok ? /\| yes \(worst / : /\| no \(worst /);
    }
  }, 600_000);

  it('--record writes each model\'s cells into the validation.json beside it (the training report), keeping its other keys; without one it is an option error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-matrix-record-'));
    const src = join(root, 'test-data/models/jades-delayed-tau-affine');
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
    // start from the report without the shipped model's recorded matrix, so the cells this test writes are the only ones
    const before = JSON.parse(readFileSync(join(dir, 'validation.json'), 'utf8'));
    delete before.matrix;
    writeFileSync(join(dir, 'validation.json'), JSON.stringify(before, null, 1) + '\n');
    const out = join(dir, 'out');
    const args = ['validate-matrix', '--models', join(dir, 'model.onnx'), '--libraries', 'bc03-miles', '--n', '400', '--samples', '30', '--out', out, '--record'];
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, 'validation.json'), 'utf8'));
    const m = JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8'));
    const strip = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => !['priorFrom', 'n', 'seed', 'samples', 'date'].includes(k)));
    expect(after.matrix.cells.map(strip)).toEqual(m.cells);
    expect(after.matrix.cells.map((c: { test: string }) => c.test)).toEqual(['bc03-miles', 'bc03-miles']);
    for (const c of after.matrix.cells) expect(c).toMatchObject({ priorFrom: 'jades-delayed-tau-affine', n: 400, samples: 30, seed: 0 });
    // a second run with another column adds its cells; a re-run of a column replaces its cells
    const again = spawnSync(process.execPath, [bin, ...args.map((a) => (a === 'bc03-miles' ? 'maraston05,bc03-miles' : a === '400' ? '300' : a))], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    const twice = JSON.parse(readFileSync(join(dir, 'validation.json'), 'utf8'));
    expect(twice.matrix.cells.map((c: { test: string; n: number }) => `${c.test}:${c.n}`).sort()).toEqual(['bc03-miles:300', 'bc03-miles:300', 'maraston05:300', 'maraston05:300']);
    const rest = { ...twice };
    delete rest.matrix;
    expect(rest).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // two versions of one model (the same name) in one run: each report gets its own cells only, each table row is labelled
    const v2 = mkdtempSync(join(tmpdir(), 'pixsed-matrix-record-v2-'));
    for (const f of readdirSync(src)) copyFileSync(join(src, f), join(v2, f));
    const man = JSON.parse(readFileSync(join(v2, 'manifest.json'), 'utf8'));
    writeFileSync(join(v2, 'manifest.json'), JSON.stringify({ ...man, version: '9.9.9' }, null, 1) + '\n');
    writeFileSync(join(v2, 'validation.json'), JSON.stringify(before, null, 1) + '\n');
    writeFileSync(join(dir, 'validation.json'), JSON.stringify(before, null, 1) + '\n');
    const both = spawnSync(process.execPath, [bin, ...args.map((a) => (a === join(dir, 'model.onnx') ? `${a},${join(v2, 'model.onnx')}` : a))], { encoding: 'utf8' });
    expect(both.status, both.stderr).toBe(0);
    for (const [d, version] of [[dir, man.version], [v2, '9.9.9']]) {
      const cells = JSON.parse(readFileSync(join(d, 'validation.json'), 'utf8')).matrix.cells as { modelVersion: string; test: string }[];
      expect(cells.map((c) => `${c.test}:${c.modelVersion}`), d).toEqual([`bc03-miles:${version}`, `bc03-miles:${version}`]);
    }
    expect(both.stdout).toContain(`| jades-delayed-tau-affine v${man.version} (`);
    expect(both.stdout).toContain('| jades-delayed-tau-affine v9.9.9 (');
    rmSync(v2, { recursive: true, force: true });
    rmSync(join(dir, 'validation.json'));
    const bad = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`--record: ${join(dir, 'validation.json')}: no validation.json beside the model`);
  }, 600_000);

  it('an unknown noise model is an option error (exit 2) naming it and the known ones', () => {
    const r = spawnSync(process.execPath, [bin, 'validate-matrix', '--models', model, '--noise', 'sbipix,floor,loud', '--n', '200'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--noise.*unknown noise model 'floor'.*training, sbipix, gaussian-flux, floor<P>, scale<S>/s);
    expect(r.stderr).toMatch(/--noise.*unknown noise model 'loud'/);
  });

  it('an unknown test library is an option error (exit 2) naming it and the known ones', () => {
    const r = spawnSync(process.execPath, [bin, 'validate-matrix', '--models', model, '--libraries', 'fsps', '--n', '200'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--libraries.*unknown library 'fsps'.*maraston05, bc03-miles, mixture/s);
  });
});
