import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dataPath, hasData, missingDataMessage, pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const pixsed = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const STAR = 'psf/jwst-nircam-f090w-stars/psf_f090w_star0.fits';
const WEBB = 'psf/webbpsf-nircam-f200w/psf_jwst_oct21_ng4m0_f200w.fits';
const IMG = 'images/hst-hff-abell2744-f105w/abell_2744_dwarf_galaxy_f105w.fits.gz';
const py = spawnSync(pythonExecutable(), ['-c', 'import scipy, astropy'], { encoding: 'utf8' }).status === 0;
const ready = hasData(STAR, WEBB, IMG) && py;

describe.skipIf(!ready)(ready ? 'pixsed psf kernel / convolve on real PSFs and an HST cutout' : `${missingDataMessage(STAR, WEBB, IMG)} or /usr/bin/python3 with scipy+astropy missing`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-psfcli-'));

  it('kernel: writes FITS and prints the quality metrics; F090W star → WebbPSF F200W within 1 % EE (Tukey 0.2)', () => {
    const r = pixsed('psf', 'kernel', '--source', dataPath(STAR), '--target', dataPath(WEBB), '--target-hdu', '1', '--target-oversample', '4', '--method', 'fourier', '--window', 'tukey:0.2', '--out', join(dir, 'k.fits'));
    expect(r.status, r.stderr).toBe(0);
    const q = JSON.parse(r.stdout);
    expect(Object.keys(q)).toEqual(expect.arrayContaining(['maxEeDeviation', 'fwhmSource', 'fwhmTarget', 'fwhmMatched', 'negativeFraction']));
    expect(q.maxEeDeviation).toBeLessThan(0.01);
    expect(q.fwhmTarget).toBeGreaterThan(q.fwhmSource);
    const bad = pixsed('psf', 'kernel', '--source', dataPath(STAR), '--target', dataPath(WEBB), '--window', 'cosine:1', '--method', 'window', '--out', join(dir, 'x.fits'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--window: unknown window 'cosine'/);
    expect(bad.stderr).toMatch(/'--method window' is deprecated, use '--method fourier'/); // the alias still selects the window ratio
  });

  it('convolve: streaming strips equal scipy.signal.fftconvolve(mode="same") to 1e-5', () => {
    const k = pixsed('psf', 'kernel', '--source', dataPath(STAR), '--target', dataPath(WEBB), '--target-hdu', '1', '--target-oversample', '4', '--out', join(dir, 'kw.fits'));
    expect(k.status, k.stderr).toBe(0);
    const c = pixsed('psf', 'convolve', dataPath(IMG), join(dir, 'kw.fits'), '--strip-rows', '37', '--out', join(dir, 'conv.fits'));
    expect(c.status, c.stderr).toBe(0);
    const check = spawnSync(
      pythonExecutable(),
      ['-c', `import numpy as np; from astropy.io import fits; from scipy.signal import fftconvolve
a = fits.getdata('${dataPath(IMG)}').astype(np.float64); k = fits.getdata('${join(dir, 'kw.fits')}').astype(np.float64)
ref = fftconvolve(a, k, mode='same'); ours = fits.getdata('${join(dir, 'conv.fits')}').astype(np.float64)
print(np.max(np.abs(ours - ref)) / np.max(np.abs(ref)))`],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stderr).toBe(0);
    expect(Number(check.stdout)).toBeLessThan(1e-5);
  });
});

describe('pixsed psf kernel: option errors before any file is read', () => {
  it('a bad --window names the option and lists every allowed form; a bad --method names --method', () => {
    const w = pixsed('psf', 'kernel', '--source', 'none.fits', '--target', 'none2.fits', '--method', 'fourier', '--window', 'tukey:1.5', '--out', join(tmpdir(), 'pixsed-never.fits'));
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/--window: 'tukey:1\.5': alpha: .*expected one of tophat:BETA, cosinebell:ALPHA, splitcosinebell:ALPHA,BETA, tukey:ALPHA, hanning/);
    expect(w.stderr).not.toMatch(/deprecated/);
    const m = pixsed('psf', 'kernel', '--source', 'none.fits', '--target', 'none2.fits', '--method', 'ratio', '--out', join(tmpdir(), 'pixsed-never.fits'));
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/--method: expected fourier or wiener/);
  });
});
