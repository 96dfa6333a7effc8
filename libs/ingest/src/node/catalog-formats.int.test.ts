// Catalogue inputs in the formats astronomers have: ECSV and FITS binary tables written by astropy (an independent
// writer), quoted CSV fields, and column mapping (z_phot, ID, RA/DEC names, photo-z uncertainties); errors name the
// file, the column (and the config key that mapped it) and the row.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFileError } from '@pixsed/core';
import { hasPythonModules, pythonExecutable } from '@pixsed/core/node';
import { readCatalog } from './read-catalog.js';
import { rejects } from '../test-helpers/rejection.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-catalog-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ASTROPY = hasPythonModules('astropy', 'numpy');

/** A table written by astropy: ID (int64), z_phot (float32, one masked), z_lo / z_hi, RA, DEC (deg), name (string). */
function astropyTable(file: string, format: 'ascii.ecsv' | 'fits') {
  const r = spawnSync(
    pythonExecutable(),
    [
      '-c',
      `import numpy as np, astropy.units as u
from astropy.table import QTable, MaskedColumn
t = QTable()
t['ID'] = np.array([3, 1, 7], dtype=np.int64)
t['z_phot'] = MaskedColumn(np.array([0.65, 1.5, 2.25], dtype=np.float32), mask=[False, False, True])
t['z_lo'] = np.array([0.05, 0.1, 0.2], dtype=np.float32)
t['z_hi'] = np.array([0.07, 0.2, 0.3], dtype=np.float32)
t['RA'] = np.array([53.1, 53.2, 53.3]) * u.deg
t['DEC'] = np.array([-27.8, -27.7, -27.6]) * u.deg
t['name'] = ['a b', 'c,d', 'e']
t.write('${file}', format='${format}', overwrite=True)`,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
}

const mapping = { idColumn: 'ID', zColumn: 'z_phot', raColumn: 'RA', decColumn: 'DEC', zErrLowColumn: 'z_lo', zErrHighColumn: 'z_hi' };

describe('galaxy catalogue formats and column mapping', () => {
  it.skipIf(!ASTROPY).each(['ecsv', 'fits'] as const)('%s written by astropy: ids, z (masked → no redshift), ra/dec and z uncertainties through the mapping', async (ext) => {
    const file = join(dir, `cat.${ext}`);
    astropyTable(file, ext === 'ecsv' ? 'ascii.ecsv' : 'fits');
    const c = await readCatalog(file, mapping);
    expect(c.rows).toBe(3);
    expect([...c.z.keys()]).toEqual([3, 1, 7]);
    expect(c.z.get(3)).toBeCloseTo(0.65, 6);
    expect(c.z.get(1)).toBe(1.5);
    expect(c.z.get(7)).toBeNaN(); // masked in astropy = no redshift (NO_REDSHIFT downstream)
    expect([c.ra!.get(1), c.dec!.get(1)]).toEqual([53.2, -27.7]);
    expect(c.zErrLow!.get(3)).toBeCloseTo(0.05, 6);
    expect(c.zErrHigh!.get(7)).toBeCloseTo(0.3, 6);
    // without the mapping: ID matches id (case-insensitive), and the missing z is named with the key to set
    const err = await rejects(readCatalog(file));
    expect(err).toBeInstanceOf(DataFileError);
    expect(err.message).toMatch(new RegExp(`cat\\.${ext} \\(z\\): missing column 'z'; map yours with source\\.catalog: \\{file, zColumn: <name>\\} \\(columns: ID, z_phot`));
  });

  it('CSV with RFC 4180 quoted fields and a mapped z_phot column; a mapped column that is absent names the key', async () => {
    const file = join(dir, 'quoted.csv');
    writeFileSync(file, 'id,"name, full",z_phot\n1,"NGC ""1"", core",0.5\n2,"b",\n');
    const c = await readCatalog(file, { zColumn: 'z_phot' });
    expect([c.z.get(1), c.z.get(2)]).toEqual([0.5, NaN]);
    const err = await rejects(readCatalog(file, { zColumn: 'zspec' }));
    expect(err.message).toMatch(/quoted\.csv \(zspec\): missing column 'zspec' \(source\.catalog\.zColumn\)/);
  });

  it('bad values name the mapped column and the row; a file that claims ECSV must be one', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'ID,zp,zlo\n1,0.5,0.1\n2,0.7,-0.1\n');
    const neg = await rejects(readCatalog(file, { idColumn: 'ID', zColumn: 'zp', zErrLowColumn: 'zlo' }));
    expect(neg.message).toMatch(/bad\.csv \(zlo \(row 2\)\): expected a redshift uncertainty ≥ 0 or an empty cell, got '-0\.1' \(id 2\)/);
    writeFileSync(file, 'ID,zp\n1,abc\n');
    expect((await rejects(readCatalog(file, { idColumn: 'ID', zColumn: 'zp' }))).message).toMatch(/bad\.csv \(zp \(row 1\)\): expected a redshift ≥ 0/);
    const fake = join(dir, 'fake.ecsv');
    writeFileSync(fake, 'id,z\n1,0.5\n');
    expect((await rejects(readCatalog(fake))).message).toMatch(/fake\.ecsv \(line 1\): not an ECSV file/);
  });

  it.skipIf(!ASTROPY)('a FITS file without a binary table is an error naming the file', async () => {
    const file = join(dir, 'image.fits');
    const r = spawnSync(pythonExecutable(), ['-c', `import numpy as np; from astropy.io import fits; fits.PrimaryHDU(np.zeros((2, 2), dtype=np.float32)).writeto('${file}', overwrite=True)`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect((await rejects(readCatalog(file))).message).toMatch(/image\.fits \[XTENSION\]: no binary table/);
  });
});
