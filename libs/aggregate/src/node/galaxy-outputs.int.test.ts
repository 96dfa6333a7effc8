import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { hasPythonModules, pythonExecutable } from '@pixsed/core/node';
import { catalogFormat, pixelToRaDec } from './galaxy-outputs.js';

const ASTROPY = hasPythonModules('astropy', 'numpy');

describe('galaxies outputs', () => {
  it.skipIf(!ASTROPY)('pixelToRaDec (a centroid without catalogue ra/dec) agrees with astropy pixel_to_world_values to 1e-10 deg, 0-based pixels', () => {
    const wcs = { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 53.16, CRVAL2: -27.78, CRPIX1: 128.5, CRPIX2: 128.5, CD1_1: -8.3e-6, CD1_2: 1.1e-7, CD2_1: 1.3e-7, CD2_2: 8.4e-6, CUNIT1: 'deg', CUNIT2: 'deg' };
    const pts = [[0, 0], [67.93, 71.97], [255, 255], [1e4, -3e3]];
    const mine = pts.map(([x, y]) => pixelToRaDec(wcs)!(x, y));
    const r = spawnSync(pythonExecutable(), ['-W', 'error', '-c', `import json; from astropy.wcs import WCS; from astropy.io import fits
h = fits.Header(); [h.set(k, v) for k, v in ${JSON.stringify(wcs)}.items()]
w = WCS(h); print(json.dumps([list(map(float, w.pixel_to_world_values(x, y))) for x, y in ${JSON.stringify(pts)}]))`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const ref = JSON.parse(r.stdout) as [number, number][];
    mine.forEach(([ra, dec], i) => {
      expect(Math.abs(ra - ref[i][0])).toBeLessThan(1e-10);
      expect(Math.abs(dec - ref[i][1])).toBeLessThan(1e-10);
    });
    expect(pixelToRaDec(undefined)).toBeUndefined();
    expect(pixelToRaDec({ NAXIS: 2 })).toBeUndefined();
  });

  it('a catalogue file that is not .ecsv, .fits or .csv is a config error naming the key and the file', () => {
    expect(() => catalogFormat('galaxies.txt', 'sinks.galaxies.catalog[1]')).toThrow(/sinks\.galaxies\.catalog\[1\].*'galaxies\.txt': expected a file ending in \.ecsv, \.fits or \.csv/);
    expect(catalogFormat('G.FITS')).toBe('fits');
  });
});
