import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { batchFromColumns, FLAG } from '@pixsed/core';
import { createParquetWriter, readParquetRowGroups } from '@pixsed/parquet/node';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const py = pythonExecutable();
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

  // ------------------------------------------------------------------ fault cases (tables and model files)
  const model = join(dir, 'model.onnx');
  const header = 'id,z,flux_f277w_njy,flux_f277w_err_njy,flux_f444w_njy,flux_f444w_err_njy';
  const clean = [header, ...Array.from({ length: 6 }, (_, i) => `g${i},${(0.5 + 0.25 * i).toFixed(2)},${100 + 10 * i},2,${120 + 5 * i},2`)];
  const infer = (input: string, out: string, ...extra: string[]) => pixsed('infer', '--model', model, '--input', input, '--out', out, '--samples', '50', ...extra);
  const table = (text: string) => parse(text, { columns: true }) as Record<string, string>[];
  const cleanOut = (() => {
    writeFileSync(join(dir, 'clean.csv'), clean.join('\n') + '\n');
    const r = infer(join(dir, 'clean.csv'), join(dir, 'clean-out.csv'));
    if (r.status !== 0) throw new Error(r.stderr);
    return table(readFileSync(join(dir, 'clean-out.csv'), 'utf8'));
  })();

  /** Replace the f277w flux of data row `row` by `cell`; run; the other rows must equal the clean run (same row-index keys). */
  const badCell = (name: string, cell: string) => {
    const lines = [...clean];
    const parts = lines[3].split(',');
    parts[2] = cell;
    lines[3] = parts.join(',');
    writeFileSync(join(dir, `${name}.csv`), lines.join('\n') + '\n');
    const r = infer(join(dir, `${name}.csv`), join(dir, `${name}-out.csv`));
    expect(r.status, r.stderr).toBe(0);
    const rows = table(readFileSync(join(dir, `${name}-out.csv`), 'utf8'));
    expect(rows.length).toBe(6);
    rows.forEach((row, i) => {
      if (i === 2) {
        expect(Number(row.flags) & FLAG.MISSING_BAND).toBeTruthy();
        expect(Number.isFinite(Number(row.log_mstar_p50))).toBe(true); // the row is still inferred, f277w as missing
        expect(row.log_mstar_p50).not.toBe(cleanOut[i].log_mstar_p50);
      } else {
        expect(Number(row.flags) & FLAG.MISSING_BAND).toBe(0);
        expect(row.log_mstar_p50).toBe(cleanOut[i].log_mstar_p50);
      }
    });
    return r.stderr;
  };

  it('a text cell in a band column makes that band missing for its row only, with one warning counting it', () => {
    const err = badCell('text', 'abc');
    expect(err.match(/empty, NULL or text/g)?.length).toBe(1);
    expect(err).toMatch(/flux_f277w_njy: 1 text \(first at data row 3: 'abc'\)/);
  });

  it('an empty cell in a band column: band missing for its row only, counted', () => {
    expect(badCell('empty', '')).toMatch(/flux_f277w_njy: 1 empty/);
  });

  it('a NULL cell in a band column: band missing for its row only, counted', () => {
    expect(badCell('null', 'NULL')).toMatch(/flux_f277w_njy: 1 NULL/);
  });

  it('a text z cell: NO_REDSHIFT and NaN summaries for that row only', () => {
    const lines = [...clean];
    lines[2] = lines[2].replace(/^g1,[^,]+,/, 'g1,abc,');
    writeFileSync(join(dir, 'badz.csv'), lines.join('\n') + '\n');
    const r = infer(join(dir, 'badz.csv'), join(dir, 'badz-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/z: 1 text/);
    const rows = table(readFileSync(join(dir, 'badz-out.csv'), 'utf8'));
    expect(Number(rows[1].flags) & FLAG.NO_REDSHIFT).toBeTruthy();
    expect(rows[1].log_mstar_p50).toBe('NaN');
    expect(rows[0].log_mstar_p50).toBe(cleanOut[0].log_mstar_p50);
  });

  it('a string-typed Parquet band column is read cell by cell (a text cell affects only its row)', () => {
    const n = 6;
    const num = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'z', data: num((i) => 0.5 + 0.25 * i), type: 'DOUBLE' },
        { name: 'flux_f277w_njy', data: Array.from({ length: n }, (_, i) => (i === 2 ? 'abc' : String(100 + 10 * i))), type: 'STRING' },
        { name: 'flux_f277w_err_njy', data: num(() => 2), type: 'DOUBLE' },
        { name: 'flux_f444w_njy', data: num((i) => 120 + 5 * i), type: 'DOUBLE' },
        { name: 'flux_f444w_err_njy', data: num(() => 2), type: 'DOUBLE' },
      ],
    });
    writeFileSync(join(dir, 'strings.parquet'), new Uint8Array(buf));
    const r = infer(join(dir, 'strings.parquet'), join(dir, 'strings-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/flux_f277w_njy: 1 text/);
    const rows = table(readFileSync(join(dir, 'strings-out.csv'), 'utf8'));
    expect(rows.map((x) => Number(x.flags) & FLAG.MISSING_BAND).map(Boolean)).toEqual([false, false, true, false, false, false]);
    rows.forEach((row, i) => i !== 2 && expect(row.log_mstar_p50).toBe(cleanOut[i].log_mstar_p50)); // same rows, same keys as the CSV
  });

  it('reads Parquet row group by row group: 6 rows in groups of 4 + 2 give the CSV run\'s rows (row-index keys run on)', async () => {
    const rows = clean.slice(1).map((l) => l.split(',').slice(1).map(Number));
    const names = header.split(',').slice(1);
    const w = await createParquetWriter(join(dir, 'groups.parquet'), { rowGroupRows: 4 });
    await w.write(batchFromColumns(Object.fromEntries(names.map((k, c) => [k, Float64Array.from(rows, (r) => r[c])]))));
    await w.close();
    const sizes = [];
    for await (const g of (await readParquetRowGroups(join(dir, 'groups.parquet'))).groups()) sizes.push(g.numRows);
    expect(sizes).toEqual([4, 2]);
    const r = infer(join(dir, 'groups.parquet'), join(dir, 'groups-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    const out = table(readFileSync(join(dir, 'groups-out.csv'), 'utf8'));
    expect(out.map((x) => x.log_mstar_p50)).toEqual(cleanOut.map((x) => x.log_mstar_p50));
    expect(out.map((x) => x.log_sfr100_std)).toEqual(cleanOut.map((x) => x.log_sfr100_std));
  });

  // ------------------------------------------------------------------ chunk boundaries (CSV chunks of 4,096 rows, pipelined)
  /** `n` clean rows with numeric ids 1000 + i (z, fluxes varying by row). */
  const manyRows = (n: number) => [header, ...Array.from({ length: n }, (_, i) => `${1000 + i},${(0.3 + (i % 50) * 0.1).toFixed(2)},${100 + (i % 97)},2,${120 + (i % 89)},2`)];
  const byId = (rows: Record<string, string>[]) => new Map(rows.map((r) => [r.id, r]));

  it('4,096 + 7 rows (a second, partial chunk read while the first infers): every row in order, each equal to the row run alone with --key id', async () => {
    const lines = manyRows(4103);
    writeFileSync(join(dir, 'many.csv'), lines.join('\n') + '\n');
    const r = infer(join(dir, 'many.csv'), join(dir, 'many-out.csv'), '--key', 'id', '--samples', '20');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/inferred 4103 rows/);
    const out = table(readFileSync(join(dir, 'many-out.csv'), 'utf8'));
    expect(out.map((x) => x.id)).toEqual(lines.slice(1).map((l) => l.split(',')[0]));
    // the rows on either side of the chunk boundary and the partial chunk, each in a file of its own (one chunk)
    const picked = [0, 4094, 4095, 4096, 4097, 4102];
    writeFileSync(join(dir, 'few.csv'), [header, ...picked.map((i) => lines[i + 1])].join('\n') + '\n');
    const f = infer(join(dir, 'few.csv'), join(dir, 'few-out.csv'), '--key', 'id', '--samples', '20');
    expect(f.status, f.stderr).toBe(0);
    const alone = byId(table(readFileSync(join(dir, 'few-out.csv'), 'utf8')));
    const all = byId(out);
    for (const i of picked) expect(all.get(`${1000 + i}`)).toEqual(alone.get(`${1000 + i}`));
    // and Parquet output of the same file: the same values, row by row
    const q = infer(join(dir, 'many.csv'), join(dir, 'many-out.parquet'), '--key', 'id', '--samples', '20');
    expect(q.status, q.stderr).toBe(0);
    const pq = await readParquetRowGroups(join(dir, 'many-out.parquet'));
    const got: Record<string, number[]> = { id: [], log_mstar_p50: [], flags: [] };
    for await (const g of pq.groups()) for (const k of Object.keys(got)) got[k].push(...Array.from(g.columns[k] as ArrayLike<number>, Number));
    expect(got.id).toEqual(out.map((x) => Number(x.id)));
    expect(got.log_mstar_p50).toEqual(out.map((x) => Number(x.log_mstar_p50)));
    expect(got.flags).toEqual(out.map((x) => Number(x.flags)));
  });

  it('a malformed line in the second chunk (while the first infers): exit with the CSV error naming the file, nothing under the output name, no temp file left', () => {
    const lines = manyRows(4200);
    lines[4150] = '5149,1.0,100,2'; // 4 fields instead of 6
    const sub = join(dir, 'badmid');
    mkdirSync(sub);
    writeFileSync(join(sub, 'in.csv'), lines.join('\n') + '\n');
    for (const out of ['out.csv', 'out.parquet']) {
      const r = infer(join(sub, 'in.csv'), join(sub, out), '--samples', '20');
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/in\.csv[\s\S]*CSV error/);
      expect(r.stderr).not.toMatch(/Session already disposed|uncaught|ERR_UNHANDLED/i);
    }
    expect(readdirSync(sub)).toEqual(['in.csv']);
  });

  it('a duplicated z column is an error naming the file and the column', () => {
    writeFileSync(join(dir, 'dupz.csv'), 'z,z,flux_f277w_njy,flux_f277w_err_njy\n1,2,10,1\n');
    const r = infer(join(dir, 'dupz.csv'), join(dir, 'x.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dupz\.csv[\s\S]*z: duplicated column name/);
  });

  it('a duplicated band column is an error naming it', () => {
    writeFileSync(join(dir, 'dupb.csv'), 'z,flux_f277w_njy,flux_f277w_err_njy,flux_f277w_njy\n1,10,1,11\n');
    const r = infer(join(dir, 'dupb.csv'), join(dir, 'x.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dupb\.csv[\s\S]*flux_f277w_njy: duplicated column name/);
  });

  // ---- cells on which this command and the catalogue reader disagreed before core's parseNumericCell
  // (libs/ingest/src/node/read-catalog.int.test.ts asserts the same cells through the catalogue reader)
  it("hexadecimal '0x1f' in a band column is text (JS Number() read it as 31): band missing, counted with file, column and row", () => {
    const err = badCell('hex', '0x1f');
    expect(err).toContain(join(dir, 'hex.csv'));
    expect(err).toMatch(/flux_f277w_njy: 1 text \(first at data row 3: '0x1f'\)/);
  });

  it("'1e' (an exponent without digits) in a band column is text, counted with column and row", () => {
    expect(badCell('exp', '1e')).toMatch(/flux_f277w_njy: 1 text \(first at data row 3: '1e'\)/);
  });

  for (const cell of ['-nan', 'Infinity', 'inf']) {
    it(`'${cell}' in a band column is a number that is not finite: band missing for its row only (MISSING_BAND), not a bad cell`, () => {
      expect(badCell(`nonfinite${cell}`, cell)).not.toMatch(/empty, NULL or text/);
    });
  }

  /** Data row 2's z replaced by `cell`: the other rows equal the clean run. */
  const badZ = (name: string, cell: string) => {
    const lines = [...clean];
    lines[2] = lines[2].replace(/^g1,[^,]+,/, `g1,${cell},`);
    writeFileSync(join(dir, `${name}.csv`), lines.join('\n') + '\n');
    const r = infer(join(dir, `${name}.csv`), join(dir, `${name}-out.csv`));
    expect(r.status, r.stderr).toBe(0);
    const rows = table(readFileSync(join(dir, `${name}-out.csv`), 'utf8'));
    expect(Number(rows[1].flags) & FLAG.NO_REDSHIFT).toBeTruthy();
    rows.forEach((row, i) => i !== 1 && expect(row.log_mstar_p50).toBe(cleanOut[i].log_mstar_p50));
    return r.stderr;
  };

  it("z = '0x1f': no redshift for that row, counted as text naming file, column and row (the catalogue reader refuses it)", () => {
    const err = badZ('hexz', '0x1f');
    expect(err).toContain(join(dir, 'hexz.csv'));
    expect(err).toMatch(/z: 1 text \(first at data row 2: '0x1f'\)/);
  });

  it("z = '-nan': no redshift for that row, not a bad cell (the catalogue reader reads it as a blank z too)", () => {
    expect(badZ('nanz', '-nan')).not.toMatch(/empty, NULL or text/);
  });

  it("columns 'z' and 'Z' are one column named twice (case-folded, as the catalogue reader compares them)", () => {
    writeFileSync(join(dir, 'dupcase.csv'), 'z,flux_f277w_njy,flux_f277w_err_njy,Z\n1,10,1,2\n');
    const r = infer(join(dir, 'dupcase.csv'), join(dir, 'x.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/dupcase\.csv[\s\S]*Z: duplicated column name \('Z' columns 1 and 4/);
  });

  it('the CSV output is csv-stringify\'s rendering of its own cells: text with commas, quotes, CR, LF, empty and quoted-but-plain cells, a quoted header name', () => {
    const notes = ['"Abell 370, ""arc"" 2"', '"two\nlines"', '"cr\rhere"', '', '"plain"', '"""q"""', 'x'];
    const lines = ['"no,te",' + header, ...notes.map((v, i) => `${v},${clean[1 + (i % 6)]}`)];
    writeFileSync(join(dir, 'rt.csv'), lines.join('\n') + '\n');
    const r = infer(join(dir, 'rt.csv'), join(dir, 'rt-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'rt-out.csv'), 'utf8');
    const cells = parse(text) as string[][];
    expect(cells.slice(1).map((c) => c[0])).toEqual(['Abell 370, "arc" 2', 'two\nlines', 'cr\rhere', '', 'plain', '"q"', 'x']);
    expect(cells[0][0]).toBe('no,te');
    expect(text).toBe(stringifyCsv(cells));
  });

  it('a carried value with a comma and a quote is quoted: every later column stays in place', () => {
    const lines = ['note,' + header, `"Abell 370, ""arc"" 2",` + clean[1], 'plain,' + clean[2]];
    writeFileSync(join(dir, 'quote.csv'), lines.join('\n') + '\n');
    const r = infer(join(dir, 'quote.csv'), join(dir, 'quote-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    const rows = table(readFileSync(join(dir, 'quote-out.csv'), 'utf8'));
    expect(rows[0].note).toBe('Abell 370, "arc" 2');
    expect(rows[0].id).toBe('g0');
    expect(rows[0].z).toBe('0.50');
    expect(Number.isFinite(Number(rows[0].log_mstar_p50))).toBe(true);
  });

  it('an input flags column is carried as input_flags; the output has one flags column', () => {
    writeFileSync(join(dir, 'flags.csv'), [header + ',flags', ...clean.slice(1).map((l) => l + ',5')].join('\n') + '\n');
    const r = infer(join(dir, 'flags.csv'), join(dir, 'flags-out.csv'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/carried as input_<name>[\s\S]*flags/);
    const head = readFileSync(join(dir, 'flags-out.csv'), 'utf8').split('\n')[0].split(',');
    expect(head.filter((c) => c === 'flags').length).toBe(1);
    const rows = table(readFileSync(join(dir, 'flags-out.csv'), 'utf8'));
    expect(rows.every((x) => x.input_flags === '5')).toBe(true);
    expect(rows.map((x) => x.log_mstar_p50)).toEqual(cleanOut.map((x) => x.log_mstar_p50));
  });

  it('--key id seeds each row by its id: reordering the rows does not change any row', () => {
    writeFileSync(join(dir, 'rev.csv'), [header, ...clean.slice(1).reverse()].join('\n') + '\n');
    const a = infer(join(dir, 'clean.csv'), join(dir, 'k1.csv'), '--key', 'id');
    const b = infer(join(dir, 'rev.csv'), join(dir, 'k2.csv'), '--key', 'id');
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const [ra, rb] = [table(readFileSync(join(dir, 'k1.csv'), 'utf8')), table(readFileSync(join(dir, 'k2.csv'), 'utf8'))];
    expect(rb.reverse()).toEqual(ra);
    const c = infer(join(dir, 'clean.csv'), join(dir, 'k3.csv'), '--key', 'nope');
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/--key: column 'nope' not in/);
  });

  /** A copy of the toy model folder with `mutate` applied. */
  const modelCopy = (name: string, mutate: (d: string) => void) => {
    const d = join(dir, name);
    mkdirSync(d);
    copyFileSync(join(dir, 'manifest.json'), join(d, 'manifest.json'));
    copyFileSync(model, join(d, 'model.onnx'));
    mutate(d);
    return d;
  };
  const inferWith = (m: string) => pixsed('infer', '--model', m, '--input', join(dir, 'clean.csv'), '--out', join(dir, 'm.csv'));

  it("model.onnx replaced by another model's onnx: a hash mismatch naming both files and both hashes", () => {
    const other = join(dir, 'other');
    spawnSync(py, [join(root, 'libs/model/test-scripts/make_toy_model.py'), other, '--params', 'a,b,c', 'f277w', 'f444w'], { encoding: 'utf8' });
    const d = modelCopy('swapped', (x) => copyFileSync(join(other, 'model.onnx'), join(x, 'model.onnx')));
    const r = inferWith(join(d, 'model.onnx'));
    expect(r.status).not.toBe(0);
    const pinned = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).modelSha256 as string;
    const actual = JSON.parse(readFileSync(join(other, 'manifest.json'), 'utf8')).modelSha256 as string;
    expect(r.stderr).toContain(`${join(d, 'model.onnx')} has sha256 ${actual}`);
    expect(r.stderr).toContain(`${join(d, 'manifest.json')} pins modelSha256 ${pinned}`);
  });

  it('an empty model.onnx: an error naming the file, not onnxruntime internals', () => {
    const d = modelCopy('empty', (x) => writeFileSync(join(x, 'model.onnx'), ''));
    const r = inferWith(join(d, 'model.onnx'));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`model file ${join(d, 'model.onnx')} is empty (0 bytes)`);
  });

  it('a model.onnx that is a directory: an error naming it', () => {
    const d = modelCopy('isdir', (x) => {
      spawnSync('rm', [join(x, 'model.onnx')]);
      mkdirSync(join(x, 'model.onnx'));
    });
    const r = inferWith(d);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`model file ${join(d, 'model.onnx')} is a directory`);
  });

  it('a manifest without modelSha256 is refused, naming the key', () => {
    const d = modelCopy('nohash', (x) => {
      const m = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8'));
      delete m.modelSha256;
      writeFileSync(join(x, 'manifest.json'), JSON.stringify(m));
    });
    const r = inferWith(d);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nohash\/manifest\.json[\s\S]*modelSha256/);
  });

  it('--samples 1e9 and a > 2 GiB per-call plan are errors naming the options', () => {
    const a = pixsed('infer', '--model', model, '--input', join(dir, 'clean.csv'), '--out', join(dir, 'x.csv'), '--samples', '1000000000');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--samples: expected an integer from 2 to 100000, got 1000000000/);
    const b = pixsed('infer', '--model', model, '--input', join(dir, 'clean.csv'), '--out', join(dir, 'x.csv'), '--samples', '100000', '--batch-rows', '4096');
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/--samples 100000 × --batch-rows 4096 × 2 parameters × 4 bytes = 3\.1 GiB per onnxruntime call exceeds 2 GiB/);
  });

  it('a --batch-rows or --threads that is zero, negative, not an integer or absurd is a usage error naming the option and the range, never a hang', () => {
    const run = (...opt: string[]) => spawnSync(process.execPath, [bin, 'infer', '--model', model, '--input', join(dir, 'clean.csv'), '--out', join(dir, 'x.csv'), '--samples', '8', ...opt], { encoding: 'utf8', timeout: 60_000 });
    for (const v of ['0', '-3', '2.5', '1e7', 'abc']) {
      const r = run('--batch-rows', v);
      expect(r.status, `--batch-rows ${v}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--batch-rows: expected an integer from 1 to 1000000, got '${v}'`);
    }
    for (const v of ['0', '-1', '1.5', '5000']) {
      const r = run('--threads', v);
      expect(r.status, `--threads ${v}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`--threads: expected an integer from 1 to 1024, got '${v}'`);
    }
    const both = run('--threads', '0', '--batch-rows', '0');
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--batch-rows: expected[\s\S]*--threads: expected/);
    const ok = run('--threads', '1', '--batch-rows', '1000000');
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('--out equal to --input is refused before anything is written', () => {
    const r = infer(join(dir, 'clean.csv'), join(dir, 'clean.csv'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--out: is the input file/);
    expect(readFileSync(join(dir, 'clean.csv'), 'utf8')).toBe(clean.join('\n') + '\n');
  });
});

