import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { FLAG } from '@pixsed/core';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const py = pythonExecutable();
const ready = spawnSync(py, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const bands = ['f277w', 'f356w', 'f444w'];

describe.skipIf(!ready)(ready ? 'posterior-predictive check: pixsed infer columns and pixsed ppc-calibrate (toy model + toy emulator)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-ppc-cli-'));
  const made = spawnSync(py, [join(root, 'libs/model/test-scripts/make_toy_model.py'), dir, '--ppc=28.15,28.05,27.95', ...bands], { encoding: 'utf8' });
  const plain = mkdtempSync(join(tmpdir(), 'pixsed-ppc-plain-'));
  spawnSync(py, [join(root, 'libs/model/test-scripts/make_toy_model.py'), plain, ...bands], { encoding: 'utf8' });
  // 400 mock rows at S/N 10–40 (all pass the mean S/N > 5 selection). The toy posterior's θ0 ≈ z + mag_f444w − mag_f277w
  // + error terms (make_linear_gaussian.py) and the toy emulator predicts f_b = 10^(0.4 (31.4 − C_b)) · 10^θ0 = (20, 22, 24) nJy
  // · 10^θ0, so fluxes (20, 22, 24) nJy · 10^(z − 0.2) with ±5 % wiggles give p-values from ~0 to ~1
  const n = 400;
  const head = ['z', ...bands.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`])];
  const rows = Array.from({ length: n }, (_, i) => {
    const z = 0.3 + ((i * 13) % 50) / 25;
    const snr = 10 + ((i * 7) % 30);
    return [z, ...bands.flatMap((_, b) => {
      const f = 20 * (1 + 0.1 * b) * 10 ** (z - 0.2) * (1 + 0.05 * Math.sin(i * (b + 1)));
      return [f, f / snr];
    })];
  });
  writeFileSync(join(dir, 'mocks.csv'), [head.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
  const readOut = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

  it('infer writes ppc_chi2 / ppc_pvalue / ppc_n_bands; ppc-calibrate picks the rate quantile of half the rows and measures the other half; --update-manifest makes infer flag PPC_POOR exactly below it', () => {
    expect(made.status, made.stderr).toBe(0);
    const a = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'mocks.csv'), '--out', join(dir, 'a.csv'), '--samples', '32');
    expect(a.status, a.stderr).toBe(0);
    const out = readOut(join(dir, 'a.csv'));
    expect(Object.keys(out[0])).toEqual(expect.arrayContaining(['ppc_chi2', 'ppc_pvalue', 'ppc_n_bands', 'flags']));
    expect(out.every((r) => r.ppc_n_bands === '3')).toBe(true);
    expect(out.some((r) => Number(r.flags) & FLAG.PPC_POOR)).toBe(false); // uncalibrated: never flagged
    const p = out.map((r) => Number(r.ppc_pvalue));
    expect(new Set(p.map((v) => v.toFixed(3))).size).toBeGreaterThan(50); // a spread of p-values, not all 0 or 1

    const c = pixsed('ppc-calibrate', '--model', join(dir, 'model.onnx'), '--mocks', join(dir, 'mocks.csv'), '--rate', '0.1', '--draws', '32', '--json', '--update-manifest');
    expect(c.status, c.stderr).toBe(0);
    const rep = JSON.parse(c.stdout);
    const even = p.filter((_, i) => i % 2 === 0).sort((x, y) => x - y);
    const odd = p.filter((_, i) => i % 2 === 1);
    // CSV prints float32 values: compare to 1e-6 relative
    expect(rep.pValueThreshold).toBeCloseTo(even[Math.floor(0.1 * even.length)], 6);
    expect(rep.nCalibration).toBe(200);
    expect(rep.falseFlagRate.n).toBe(200);
    expect(rep.falseFlagRate.rate).toBeCloseTo(odd.filter((v) => v < rep.pValueThreshold).length / odd.length, 10);
    expect(rep.corruptedFlagRate.n).toBe(200);
    const mf = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(mf.ppc.pValueThreshold).toBe(rep.pValueThreshold);
    expect(mf.ppc.calibration.falseFlagRate.rate).toBe(rep.falseFlagRate.rate);

    const b = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'mocks.csv'), '--out', join(dir, 'b.csv'), '--samples', '32');
    expect(b.status, b.stderr).toBe(0);
    const flagged = readOut(join(dir, 'b.csv')).map((r) => (Number(r.flags) & FLAG.PPC_POOR) !== 0);
    const expected = p.map((v) => v < mf.ppc.pValueThreshold);
    expect(flagged).toEqual(expected);
    expect(flagged.filter(Boolean).length).toBeGreaterThan(10);
    expect(b.stdout).toMatch(/PPC_POOR \d+/);
  });

  it('refuses bad options (exit 2, naming them) and a model without an emulator (naming the fix)', () => {
    const r = pixsed('ppc-calibrate', '--model', join(dir, 'model.onnx'), '--mocks', join(dir, 'mocks.csv'), '--rate', '0.7', '--draws', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rate.*expected a false-flag rate in \(0, 0\.5\), got '0\.7'/s);
    expect(r.stderr).toMatch(/--draws.*expected an integer from 1/s);
    const i = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'mocks.csv'), '--out', join(dir, 'x.csv'), '--ppc-draws', '-1');
    expect(i.status).toBe(2);
    expect(i.stderr).toMatch(/--ppc-draws.*expected an integer from 0/s);
    const none = pixsed('ppc-calibrate', '--model', join(plain, 'model.onnx'), '--mocks', join(dir, 'mocks.csv'));
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/has no PPC emulator.*--emulator-only/);
  });
});
