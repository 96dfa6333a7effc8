// The catalogue reader on the cells where it and `pixsed infer` disagreed before core's parseNumericCell
// (JS Number() took '0x1f' as 31 here and as text there; '-nan' was an error here and NaN there).
// apps/cli/src/infer.int.test.ts asserts the same cells through `pixsed infer`.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { readCatalog } from './read-catalog.js';
import { rejects } from '../test-helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = [
  [1, 0.65],
  [2, 1.2],
  [3, 1.9],
];

/** A CSV catalogue `id,z` with row `row` (1-based) of column `column` replaced by `cell`. */
const csvWith = (name: string, column: 'id' | 'z', row: number, cell: string) => {
  const lines = ['id,z', ...ROWS.map(([id, z], i) => (i + 1 === row ? (column === 'id' ? `${cell},${z}` : `${id},${cell}`) : `${id},${z}`))];
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
};

describe('readCatalog: cells read by core parseNumericCell', () => {
  it("id '0x1f' is refused (JS Number() read it as id 31), naming file, column and row", async () => {
    const file = csvWith('hexid.csv', 'id', 2, '0x1f');
    const e = await rejects(readCatalog(file));
    expect(e).toBeInstanceOf(DataFileError);
    expect(e.message).toBe(`${file} (id (row 2)): expected a positive integer segmentation id, got '0x1f'`);
  });

  for (const cell of ['0x1f', '0b11', '1e', 'Infinity', 'inf', 'NULL']) {
    it(`z '${cell}' is an error naming file, column, row and id`, async () => {
      const file = csvWith(`z-${cell}.csv`, 'z', 3, cell);
      const e = await rejects(readCatalog(file));
      expect(e).toBeInstanceOf(DataFileError);
      expect(e.message).toBe(`${file} (z (row 3)): expected a redshift ≥ 0 or an empty cell, got '${cell}' (id 3)`);
    });
  }

  for (const cell of ['-nan', 'NaN', 'nan', '']) {
    it(`z '${cell}' means no redshift (NaN) for that galaxy only`, async () => {
      const cat = await readCatalog(csvWith(`blank-${cell || 'empty'}.csv`, 'z', 2, cell));
      expect(cat.z.get(2)).toBeNaN();
      expect(cat.z.get(1)).toBe(0.65);
      expect(cat.z.get(3)).toBe(1.9);
    });
  }

  it("z '1.9e0' and '.5' are numbers (scientific and leading-dot decimals)", async () => {
    expect((await readCatalog(csvWith('sci.csv', 'z', 3, '1.9e0'))).z.get(3)).toBe(1.9);
    expect((await readCatalog(csvWith('dot.csv', 'z', 3, '.5'))).z.get(3)).toBe(0.5);
  });

  it("columns 'z' and ' Z' are one column named twice: an error naming file, column and both positions", async () => {
    const file = join(dir, 'dupcase.csv');
    writeFileSync(file, 'id,z, Z\n1,0.5,0.6\n');
    const e = await rejects(readCatalog(file));
    expect(e.message).toBe(`${file} (z): duplicate column name 'z' (columns 2 and 3)`);
  });
});
