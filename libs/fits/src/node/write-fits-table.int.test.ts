// The binary-table writer read back by astropy 5.2 (/usr/bin/python3): values of every column type, integer
// nulls (TNULL → masked), NaN floats, strings, logicals, units (TUNIT → Quantity), TDISP, TCOMM, header cards;
// and the bad inputs it refuses.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FitsFormatError } from '@pixsed/core';
import { pythonExecutable } from '@pixsed/core/node';
import { writeFitsTable } from './write-fits-table.js';
import { ASTROPY_SKIP, hasAstropy } from '../../test-scripts/fits-fixtures.js';

const ASTROPY = hasAstropy();
const dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function astropy(code: string): any {
  const r = spawnSync(pythonExecutable(), ['-W', 'error', '-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.replace(/\bNaN\b/g, 'null'));
}

describe.skipIf(!ASTROPY)(ASTROPY ? 'writeFitsTable read by astropy' : ASTROPY_SKIP, () => {
  it('every column type, nulls, NaN, units, TDISP and TCOMM round-trip', async () => {
    const file = join(dir, 't.fits');
    const big = 2 ** 40 + 3; // needs 64 bits
    await writeFitsTable(file, {
      extname: 'CAT',
      primaryHeader: { ORIGIN: 'pixsed test' },
      header: { MODEL: 'toy', SNRTHR: 5 },
      columns: [
        { name: 'id', type: 'K', values: [1, big, NaN], disp: 'I14', description: 'row id' },
        { name: 'n', type: 'J', values: [-5, 0, 2147483647] },
        { name: 'k', type: 'I', values: [-32768, 7, 32767] },
        { name: 'b', type: 'B', values: [0, 17, 254] },
        { name: 'flux_njy', type: 'E', values: [Math.fround(0.1), NaN, -3.5e-7], unit: 'nJy', disp: 'G15.7', description: 'a flux with a long description that does not fit in the TTYPE comment, so TCOMM carries it whole' },
        { name: 'ra_deg', type: 'D', values: [53.123456789012, -0, 359.999999999], unit: 'deg', disp: 'F14.9' },
        { name: 'ok', type: 'L', values: [true, false, null] },
        { name: 'bands', type: 'A', values: ['f444w f356w', '', "it's"] },
      ],
    });
    const got = astropy(`
import json, numpy as np, astropy.units as u
from astropy.io import fits
from astropy.table import QTable
t = QTable.read('${file}', hdu='CAT')
h = fits.getheader('${file}', 'CAT'); p = fits.getheader('${file}', 0)
col = lambda c: [None if (np.ma.is_masked(v)) else (v.item() if hasattr(v, 'item') else v) for v in (t[c].value if isinstance(t[c], u.Quantity) else t[c])]
print(json.dumps({
  "names": t.colnames, "id": col('id'), "n": col('n'), "k": col('k'), "b": col('b'),
  "flux": [float(v) for v in t['flux_njy'].value], "ra": [float(v) for v in t['ra_deg'].value],
  "ok": [bool(v) for v in t['ok']], "bands": col('bands'),
  "units": [str(t['flux_njy'].unit), str(t['ra_deg'].unit)], "quantity": isinstance(t['flux_njy'], u.Quantity),
  "dtypes": [t[c].dtype.newbyteorder('=').name for c in t.colnames], "tdisp": h['TDISP5'], "tcomm": h['TCOMM5'], "model": h['MODEL'], "snr": h['SNRTHR'],
  "origin": p['ORIGIN'], "idMasked": bool(np.ma.is_masked(t['id'][2]))}))`);
    expect(got.names).toEqual(['id', 'n', 'k', 'b', 'flux_njy', 'ra_deg', 'ok', 'bands']);
    expect(got.id.slice(0, 2)).toEqual([1, big]);
    expect(got.idMasked).toBe(true);
    expect(got.n).toEqual([-5, 0, 2147483647]);
    expect(got.k).toEqual([-32768, 7, 32767]);
    expect(got.b).toEqual([0, 17, 254]);
    expect(got.flux[0]).toBe(Math.fround(0.1));
    expect(got.flux[1]).toBeNull();
    expect(got.flux[2]).toBe(Math.fround(-3.5e-7));
    expect(got.ra).toEqual([53.123456789012, -0, 359.999999999]); // IEEE −0 keeps its sign
    expect(got.ok.slice(0, 2)).toEqual([true, false]);
    expect(got.bands).toEqual(['f444w f356w', null, "it's"]); // astropy masks empty strings (mask_invalid)
    expect(got.units).toEqual(['nJy', 'deg']);
    expect(got.quantity).toBe(true);
    expect(got.dtypes.slice(0, 6)).toEqual(['int64', 'int32', 'int16', 'uint8', 'float32', 'float64']);
    expect(got.tdisp).toBe('G15.7');
    expect(got.tcomm).toBe('a flux with a long description that does not fit in the TTYPE comment, so TCOMM carries it whole');
    expect([got.model, got.snr, got.origin]).toEqual(['toy', 5, 'pixsed test']);
    expect(readFileSync(file).length % 2880).toBe(0);
  });

  it('refuses what it cannot write, naming the file, the card and the column', async () => {
    const file = join(dir, 'bad.fits');
    const cases: [string, Parameters<typeof writeFitsTable>[1]['columns'], RegExp][] = [
      ['a column name astropy cannot use', [{ name: 'bad name', type: 'E', values: [1] }], /TTYPE1.*'bad name' is not a FITS\/astropy column name/],
      ['columns of different lengths', [{ name: 'a', type: 'E', values: [1, 2] }, { name: 'b', type: 'E', values: [1] }], /TTYPE2.*'b' has 1 values, expected 2/],
      ['a fraction in an integer column', [{ name: 'n', type: 'J', values: [1.5] }], /TFORM1.*'n' row 0: 1\.5 is not an integer of TFORM J/],
      ['an int16 overflow', [{ name: 'k', type: 'I', values: [40000] }], /'k' row 0: 40000 is not an integer of TFORM I/],
      ['a non-ASCII string', [{ name: 's', type: 'A', values: ['Σ'] }], /'s' row 0: 'Σ' has non-ASCII characters/],
    ];
    for (const [what, columns, message] of cases) {
      const err = await writeFitsTable(file, { columns }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(FitsFormatError);
      expect((err as Error).message, what).toMatch(message);
      expect((err as Error).message, what).toContain(file);
    }
  });
});
