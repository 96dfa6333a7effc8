import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const py = '/usr/bin/python3';
const ready = spawnSync(py, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe.skipIf(!ready)(ready ? 'pixsed infer (catalogue mode, toy model)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-infer-'));
  spawnSync(py, [join(root, 'libs/model/test-scripts/make_toy_model.py'), dir, 'f277w', 'f444w'], { encoding: 'utf8' });
  const csv = ['name,z,flux_f277w_njy,flux_f277w_err_njy,flux_f444w_njy,flux_f444w_err_njy', 'a,1.0,100,2,120,2', 'b,2.5,0.5,1,80,3', 'c,0.3,50,1,nan,nan'].join('\n');
  writeFileSync(join(dir, 'in.csv'), csv);

  it('carries extra columns, adds summaries and flags, and is reproducible with a seed', () => {
    const r = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'in.csv'), '--out', join(dir, 'out.csv'), '--samples', '300');
    expect(r.status, r.stderr).toBe(0);
    const [head, ...rows] = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
    const h = head.split(',');
    expect(h.slice(0, 6)).toEqual(['name', 'z', 'flux_f277w_njy', 'flux_f277w_err_njy', 'flux_f444w_njy', 'flux_f444w_err_njy']);
    for (const c of ['log_mstar_p50', 'log_sfr100_std', 'flags']) expect(h).toContain(c);
    const get = (row: string, c: string) => row.split(',')[h.indexOf(c)];
    expect(rows.map((x) => get(x, 'name'))).toEqual(['a', 'b', 'c']);
    expect(Number(get(rows[1], 'flags')) & (1 << 7)).toBeTruthy(); // f277w at 0.5σ: NON_DETECTION
    expect(Number(get(rows[2], 'flags')) & (1 << 6)).toBeTruthy(); // f444w NaN: MISSING_BAND
    expect(Math.abs(Number(get(rows[0], 'log_mstar_std')) / 0.1 - 1)).toBeLessThan(0.15); // toy posterior σ = 0.1
    const again = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'in.csv'), '--out', join(dir, 'again.csv'), '--samples', '300');
    expect(again.status).toBe(0);
    expect(readFileSync(join(dir, 'again.csv'), 'utf8')).toBe(readFileSync(join(dir, 'out.csv'), 'utf8'));
  });

  it('reads and writes Parquet', () => {
    writeFileSync(join(dir, 'num.csv'), csv.replace(/\n[abc],/g, '\n').replace('name,', ''));
    const a = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'num.csv'), '--out', join(dir, 'out.parquet'));
    expect(a.status, a.stderr).toBe(0);
    const b = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'out.parquet'), '--out', join(dir, 'out2.csv'), '--samples', '50');
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'out2.csv'), 'utf8').split('\n')[0]).toMatch(/^z,flux_f277w_njy,.*log_mstar_p50/);
  });

  it('names the file and the missing column', () => {
    writeFileSync(join(dir, 'noz.csv'), 'flux_f277w_njy,flux_f277w_err_njy\n1,1\n');
    const r = pixsed('infer', '--model', join(dir, 'model.onnx'), '--input', join(dir, 'noz.csv'), '--out', join(dir, 'x.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/noz\.csv[\s\S]*z: missing numeric column 'z'/);
  });
});
