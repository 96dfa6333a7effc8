// Against astropy (/usr/bin/python3): the pixel-grid offset of checkGrids (corners and centre through one
// WCS to the sky and back through the reference WCS, SIP included), and integer images with BLANK written by
// writeFitsImage and read back by both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { GridMismatchError } from '@pixsed/core';
import { FitsHeader } from '../fits-header.js';
import { Wcs } from '../wcs.js';
import { checkGrids, gridOffsetPx } from '../check-grids.js';
import { readFitsImage, writeFitsImage } from './index.js';
import { pythonExecutable } from '@pixsed/core/node';
import { ASTROPY_SKIP, hasAstropy } from '../../test-scripts/fits-fixtures.js';

const ASTROPY = hasAstropy();
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pixsed-fits-grid-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NX = 400;
const NY = 300;
const base: Record<string, string | number> = {
  NAXIS1: NX, NAXIS2: NY, CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 53.16, CRVAL2: -27.78, CRPIX1: 200.5, CRPIX2: 150.5,
  CD1_1: -8.333333e-6, CD1_2: 1.2e-7, CD2_1: 1.1e-7, CD2_2: 8.333333e-6,
};
const cases: [string, Record<string, string | number>][] = [
  ['CRVAL shift 0.1″ + 0.05″', { CRVAL1: 53.16 + 0.1 / 3600, CRVAL2: -27.78 + 0.05 / 3600 }],
  ['CRPIX shift 0.3 px', { CRPIX1: 200.8 }],
  ['rotation 0.01°', { CD1_2: 1.2e-7 + 8.333e-6 * 1.745e-4, CD2_1: 1.1e-7 - 8.333e-6 * 1.745e-4 }],
  ['SIP distortion', { CTYPE1: 'RA---TAN-SIP', CTYPE2: 'DEC--TAN-SIP', A_ORDER: 2, B_ORDER: 2, A_2_0: 2e-7, A_0_2: -1e-7, B_1_1: 3e-7 }],
];

/** astropy: the largest |ref.all_world2pix(other.all_pix2world(p)) − p| over corners and centre. */
function astropyOffset(other: Record<string, string | number>): number {
  const hdr = (r: Record<string, string | number>) => JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('NAXIS'))));
  const py = `
import json, numpy as np, warnings
from astropy.wcs import WCS, FITSFixedWarning
from astropy.io import fits
warnings.simplefilter('ignore', FITSFixedWarning)
ref = WCS(fits.Header(json.loads('${hdr(base)}')))
oth = WCS(fits.Header(json.loads('${hdr(other)}')))
nx, ny = ${NX}, ${NY}
p = np.array([[0, 0], [nx - 1, 0], [0, ny - 1], [nx - 1, ny - 1], [(nx - 1) / 2, (ny - 1) / 2]], dtype=float)
q = ref.all_world2pix(oth.all_pix2world(p, 0), 0, tolerance=1e-12, maxiter=100)
print(float(np.max(np.hypot(*(q - p).T))))
`;
  const r = spawnSync(pythonExecutable(), ['-c', py], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

describe.skipIf(!ASTROPY)(ASTROPY ? 'checkGrids offsets in pixels vs astropy' : `checkGrids vs astropy: ${ASTROPY_SKIP}`, () => {
  it.each(cases)('%s: the reported offset equals astropy’s to 1e-6 px', (_name, extra) => {
    const other = { ...base, ...extra };
    const want = astropyOffset(other);
    const got = gridOffsetPx(Wcs.fromHeader(FitsHeader.fromRecord(other, 'b.fits')), Wcs.fromHeader(FitsHeader.fromRecord(base, 'a.fits')), NX, NY);
    expect(want).toBeGreaterThan(0.01); // every case is a real mismatch at the default tolerance
    expect(Math.abs(got.maxPx - want)).toBeLessThan(1e-6);
    expect(() => checkGrids([{ name: 'a', header: FitsHeader.fromRecord(base) }, { name: 'b', header: FitsHeader.fromRecord(other) }])).toThrow(GridMismatchError);
    expect(() => checkGrids([{ name: 'a', header: FitsHeader.fromRecord(base) }, { name: 'b', header: FitsHeader.fromRecord(other) }], want * 1.001)).not.toThrow();
  });
});

describe('integer images with BLANK (writeFitsImage bitpix)', () => {
  it.each([8, 16, 32] as const)('BITPIX %i: NaN pixels are stored as BLANK and read back as NaN (also by astropy)', async (bitpix) => {
    const blank = bitpix === 8 ? 255 : -1;
    const data = Float64Array.from({ length: 12 }, (_, i) => (i === 5 || i === 7 ? NaN : bitpix === 8 ? i * 20 : (i - 6) * 1000));
    const path = join(dir, `int${bitpix}.fits`);
    await writeFitsImage(path, { width: 4, height: 3, data, bitpix, blank, header: { BUNIT: 'nJy' } });
    const img = await readFitsImage(path);
    expect(img.bitpix).toBe(bitpix);
    expect(img.header.get('BLANK')).toBe(blank);
    expect(Array.from(img.data)).toEqual(Array.from(data));
    if (ASTROPY) {
      const r = spawnSync(pythonExecutable(), ['-c', `from astropy.io import fits; import json, numpy as np; h = fits.open('${path}')[0]; d = h.data.astype(float); print(json.dumps([None if np.isnan(v) else v for v in d.ravel().tolist()]))`], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(Array.from(data, (v) => (Number.isNaN(v) ? null : v)));
    }
  });

  it('refuses values that do not fit the BITPIX, and NaN without BLANK', async () => {
    const path = join(dir, 'bad-int.fits');
    await expect(writeFitsImage(path, { width: 2, height: 1, data: Float64Array.from([1, 1.5]), bitpix: 16 })).rejects.toThrow(/pixel 1 = 1\.5 cannot be stored as BITPIX 16/);
    await expect(writeFitsImage(path, { width: 2, height: 1, data: Float64Array.from([1, 40000]), bitpix: 16 })).rejects.toThrow(/pixel 1 = 40000 cannot be stored/);
    await expect(writeFitsImage(path, { width: 2, height: 1, data: Float64Array.from([1, NaN]), bitpix: 32 })).rejects.toThrow(/NaN needs a BLANK value/);
  });
});
