// A galaxy's redshift per catalogue row: the spectroscopic z (zColumn) where it has one, else a catalogue photo-z
// (zPhotColumn, with optional lower/upper bounds), else none; `zSource` says which. Bad photo-z cells name the file,
// the mapped column and the row.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DataFileError } from '@pixsed/core';
import { readCatalog } from './read-catalog.js';
import { rejects } from '../test-helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-catalog-photoz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const map = { zColumn: 'z_spec', zPhotColumn: 'zp', zPhotLoColumn: 'zp_lo', zPhotHiColumn: 'zp_hi' };

describe('catalogue z per galaxy: spec, catalogue photo-z or none', () => {
  it('spec z wins; a blank spec z takes the photo-z and its bounds; neither is none', async () => {
    const file = join(dir, 'cat.csv');
    writeFileSync(file, 'id,z_spec,zp,zp_lo,zp_hi\n1,0.5,0.9,0.8,1.0\n2,,1.25,1.1,1.4\n3,nan,,,\n4,,2.0,,\n');
    const c = await readCatalog(file, map);
    expect([1, 2, 3, 4].map((i) => c.zSource.get(i))).toEqual(['spec', 'catalogue-photo', 'none', 'catalogue-photo']);
    expect([1, 2, 3, 4].map((i) => c.z.get(i))).toEqual([0.5, 1.25, NaN, 2.0]);
    expect([c.zPhotLo!.get(2), c.zPhotHi!.get(2)]).toEqual([1.1, 1.4]);
    expect(c.zPhotLo!.get(1)).toBeUndefined(); // a spec-z galaxy carries no photo-z bounds
    expect([c.zPhotLo!.get(4), c.zPhotHi!.get(4)]).toEqual([NaN, NaN]);
    // without the photo-z mapping every blank spec z is none, as before
    const plain = await readCatalog(file, { zColumn: 'z_spec' });
    expect([1, 2, 3, 4].map((i) => plain.zSource.get(i))).toEqual(['spec', 'none', 'none', 'none']);
    expect(plain.z.get(2)).toBeNaN();
  });

  it('bad photo-z cells and mappings are errors naming the file, the column and the row', async () => {
    const cases: [string, string, Record<string, string>, RegExp][] = [
      ['neg.csv', 'id,z_spec,zp\n1,,-0.2\n', { zColumn: 'z_spec', zPhotColumn: 'zp' }, /neg\.csv \(zp \(row 1\)\): expected a redshift ≥ 0 or an empty cell, got '-0\.2' \(id 1\)/],
      ['text.csv', 'id,z_spec,zp\n1,,abc\n', { zColumn: 'z_spec', zPhotColumn: 'zp' }, /text\.csv \(zp \(row 1\)\): expected a redshift ≥ 0/],
      ['order.csv', 'id,z_spec,zp,zp_lo,zp_hi\n1,,1.0,1.2,1.5\n', map, /order\.csv \(zp_lo \(row 1\)\): expected zp_lo ≤ zp ≤ zp_hi, got 1\.2 ≤ 1 ≤ 1\.5 \(id 1\)/],
      ['hi.csv', 'id,z_spec,zp,zp_lo,zp_hi\n1,,1.0,0.9,0.95\n', map, /hi\.csv \(zp_hi \(row 1\)\): expected zp_lo ≤ zp ≤ zp_hi/],
      ['absent.csv', 'id,z_spec\n1,0.5\n', { zColumn: 'z_spec', zPhotColumn: 'zp' }, /absent\.csv \(zp\): missing column 'zp' \(source\.catalog\.zPhotColumn\)/],
    ];
    for (const [name, text, m, re] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const e = await rejects(readCatalog(file, m));
      expect(e, name).toBeInstanceOf(DataFileError);
      expect(e.message, name).toMatch(re);
    }
    const file = join(dir, 'lo-only.csv');
    writeFileSync(file, 'id,z,zp_lo\n1,0.5,0.4\n');
    const e = await rejects(readCatalog(file, { zPhotLoColumn: 'zp_lo' }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/lo-only\.csv[\s\S]*source\.catalog\.zPhotColumn[\s\S]*zPhotLoColumn is mapped without zPhotColumn/);
  });
});
