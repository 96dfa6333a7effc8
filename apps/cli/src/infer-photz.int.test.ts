// `pixsed infer --photz-model`: rows without a z (no z column, or a NaN / empty z cell) are inferred by a photo-z model
// (toy: libs/model/test-scripts/make_toy_model.py --photoz), the others by the z-conditioned model; z_source says which.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { FLAG } from '@pixsed/core';
import { percentileSorted, Z_SOURCE_CODES } from '@pixsed/model';
import { parquetMetadata } from 'hyparquet';
import { readParquetRowGroups } from '@pixsed/parquet/node';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const py = pythonExecutable();
const ready = spawnSync(py, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0;
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const table = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];

describe.skipIf(!ready)(ready ? 'pixsed infer --photz-model (toy models)' : 'skipped: needs /usr/bin/python3 with onnx + numpy (Debian python3-onnx)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-infer-photz-'));
  const toy = join(root, 'libs/model/test-scripts/make_toy_model.py');
  const mk = (sub: string, ...args: string[]) => {
    const r = spawnSync(py, [toy, join(dir, sub), ...args, 'f277w', 'f444w'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return join(dir, sub, 'model.onnx');
  };
  const specModel = mk('spec');
  const photoModel = mk('photoz', '--photoz', '--params', 'z,log_mstar');
  const head = 'id,z,flux_f277w_njy,flux_f277w_err_njy,flux_f444w_njy,flux_f444w_err_njy';
  const rows = ['g0,1.0,100,2,120,2', 'g1,nan,80,2,90,3', 'g2,2.5,60,2,70,2', 'g3,,40,2,150,3', 'g4,0.7,30,2,33,2'];
  writeFileSync(join(dir, 'mixed.csv'), [head, ...rows].join('\n') + '\n');
  const run = (model: string, input: string, out: string, ...extra: string[]) =>
    pixsed('infer', '--model', model, '--input', input, '--out', out, '--samples', '200', '--seed', '4', '--key', 'id', ...extra);

  it('routes finite-z rows to the z model and the others to the photo-z model: each row equals a run of its own model alone', () => {
    const r = run(specModel, join(dir, 'mixed.csv'), join(dir, 'mixed-out.csv'), '--photz-model', photoModel);
    expect(r.status, r.stderr).toBe(0);
    const out = table(join(dir, 'mixed-out.csv'));
    expect(out.map((o) => o.z_source)).toEqual(['spec', 'pixsed-photo', 'spec', 'pixsed-photo', 'spec']);
    // independent references: the spec model on the spec rows only, the photo-z model on the z-less rows only (same keys)
    writeFileSync(join(dir, 'spec-only.csv'), [head, rows[0], rows[2], rows[4]].join('\n') + '\n');
    writeFileSync(join(dir, 'photo-only.csv'), [head.replace('z,', ''), ...[rows[1], rows[3]].map((l) => l.replace(/^(g\d),[^,]*,/, '$1,'))].join('\n') + '\n');
    expect(run(specModel, join(dir, 'spec-only.csv'), join(dir, 'spec-ref.csv')).status).toBe(0);
    const pr = run(photoModel, join(dir, 'photo-only.csv'), join(dir, 'photo-ref.csv'));
    expect(pr.status, pr.stderr).toBe(0);
    const specRef = table(join(dir, 'spec-ref.csv'));
    const photoRef = table(join(dir, 'photo-ref.csv'));
    [0, 2, 4].forEach((i, j) => {
      for (const c of ['log_mstar_p50', 'log_mstar_p16', 'log_sfr100_p84', 'flags']) expect(out[i][c], `${out[i].id} ${c}`).toBe(specRef[j][c]);
      expect(out[i].z_p50).toBe('NaN'); // not a photo-z row: the photo-z-only columns are NaN
    });
    [1, 3].forEach((i, j) => {
      for (const c of ['z_p50', 'z_p16', 'z_p84', 'z_std', 'log_mstar_p50', 'flags']) expect(out[i][c], `${out[i].id} ${c}`).toBe(photoRef[j][c]);
      expect(Number(out[i].flags) & FLAG.NO_REDSHIFT).toBe(0);
      expect(out[i].log_sfr100_p50).toBe('NaN'); // the photo-z model has no log_sfr100
    });
    // the summary: counts per z_source and the photo-z rows' z_p50 percentiles, recomputed here from the written column
    const zs = Float64Array.from([1, 3].map((i) => Number(out[i].z_p50))).sort();
    expect(r.stdout).toContain('z_source: spec 3, pixsed-photo 2');
    expect(r.stdout).toContain(`median ${percentileSorted(zs, 50).toFixed(3)}, p16 ${percentileSorted(zs, 16).toFixed(3)}, p84 ${percentileSorted(zs, 84).toFixed(3)}`);
  });

  it('a table without a z column: every row pixsed-photo; without --photz-model the z column is still required', () => {
    const r = run(specModel, join(dir, 'photo-only.csv'), join(dir, 'noz-out.csv'), '--photz-model', photoModel);
    expect(r.status, r.stderr).toBe(0);
    const out = table(join(dir, 'noz-out.csv'));
    expect(out.map((o) => o.z_source)).toEqual(['pixsed-photo', 'pixsed-photo']);
    expect(out.map((o) => o.z_p50)).toEqual(table(join(dir, 'photo-ref.csv')).map((o) => o.z_p50));
    const bad = run(specModel, join(dir, 'photo-only.csv'), join(dir, 'x.csv'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/photo-only\.csv[\s\S]*missing numeric column 'z'.*--photz-model/);
  });

  it('Parquet: z_source as codes named by the file metadata pixsed.z_source', async () => {
    // numeric ids: text columns are not carried into Parquet
    writeFileSync(join(dir, 'mixed-num.csv'), readFileSync(join(dir, 'mixed.csv'), 'utf8').replace(/\ng(\d)/g, '\n$1'));
    const r = run(specModel, join(dir, 'mixed-num.csv'), join(dir, 'mixed.parquet'), '--photz-model', photoModel);
    expect(r.status, r.stderr).toBe(0);
    const pq = await readParquetRowGroups(join(dir, 'mixed.parquet'));
    const codes: number[] = [];
    for await (const g of pq.groups()) codes.push(...Array.from(g.columns.z_source as ArrayLike<number>, Number));
    expect(codes).toEqual([0, 2, 0, 2, 0]); // spec, pixsed-photo (Z_SOURCES order)
    const bytes = readFileSync(join(dir, 'mixed.parquet'));
    const kv = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).key_value_metadata ?? [];
    expect(kv.find((e) => e.key === 'pixsed.z_source')?.value).toBe(Z_SOURCE_CODES);
    expect(kv.find((e) => e.key === 'pixsed.photz_model')?.value).toBe('toy@0.0.1');
  });

  it('refuses a z-conditioned --photz-model and a --photz-model beside a --model that already infers z, naming the option', () => {
    const a = run(specModel, join(dir, 'mixed.csv'), join(dir, 'y.csv'), '--photz-model', specModel);
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--photz-model: model toy v0\.0\.1 .* is conditioned on z .* expected a photo-z model/);
    const b = run(photoModel, join(dir, 'mixed.csv'), join(dir, 'y.csv'), '--photz-model', photoModel);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--photz-model: --model toy .* already infers z/);
  });
});
