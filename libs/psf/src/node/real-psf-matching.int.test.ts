import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataPath, hasData, missingDataMessage } from '@pixsed/core/node';
import { kernelQuality, type KernelQuality } from '../kernel-quality.js';
import { padCropOdd } from '../pad-crop-odd.js';
import { psfMatchingKernel, type PsfMatchingKernelOptions } from '../psf-matching-kernel.js';
import type { Image2D } from '../types.js';
import { loadPsf, type LoadedPsf } from './load-psf.js';
import { readNpy, writeNpy } from '@pixsed/core/node';
import { hasPythonModules, runPython } from './python-internals.js';

const STARS = [0, 1, 2, 3, 4].map((i) => `psf/jwst-nircam-f090w-stars/psf_f090w_star${i}.fits`);
const TARGET = 'psf/webbpsf-nircam-f200w/psf_jwst_oct21_ng4m0_f200w.fits';
const haveData = hasData(...STARS, TARGET);
const PIXEL_SCALE_ARCSEC = 0.0312;

/** Figures printed for the report: one JSON line per configuration. */
function report(name: string, q: KernelQuality): void {
  console.log(
    JSON.stringify({
      name,
      maxEeDeviation: +q.maxEeDeviation.toFixed(5),
      atRadiusPx: q.maxEeDeviationRadiusPx,
      innerRadiusPx: q.innerRadiusPx,
      fwhmSourcePx: +q.fwhmSource.toFixed(3),
      fwhmTargetPx: +q.fwhmTarget.toFixed(3),
      fwhmMatchedPx: +q.fwhmMatched.toFixed(3),
      negativeFraction: +q.negativeFraction.toFixed(3),
    }),
  );
}

describe.skipIf(!haveData)(`real PSFs: NIRCam F090W star stack -> WebbPSF F200W at ${PIXEL_SCALE_ARCSEC}"/px ${haveData ? '' : missingDataMessage(...STARS, TARGET)}`, () => {
  let stars: LoadedPsf[];
  let source: Image2D;
  let target: LoadedPsf;

  beforeAll(async () => {
    // star stamps: 91x91 at 0.0312"/px (CD matrix), recentred on their centroid, unit sum
    stars = await Promise.all(STARS.map((f) => loadPsf(dataPath(f))));
    const n = stars[0].width;
    const stack = new Float64Array(n * n);
    for (const s of stars) for (let i = 0; i < n * n; i++) stack[i] += s.data[i] / stars.length;
    source = { width: n, height: n, data: stack };
    // WebbPSF HDU1: 288x288, 4x oversampled -> 71x71 at the detector scale
    target = await loadPsf(dataPath(TARGET), { hdu: 1, oversample: 4 });
  });

  it('loads and prepares the PSFs (odd sizes, unit sum, header pixel scale)', () => {
    expect(stars[0].width).toBe(91);
    expect(stars[0].headerPixelScaleArcsec).toBeCloseTo(0.03123, 4);
    expect(target.width).toBe(71);
    expect(target.factor).toBe(4);
    expect(target.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('refuses the reverse direction (F200W -> F090W is narrower) unless force', () => {
    expect(() => psfMatchingKernel(target, source, { method: 'wiener' })).toThrow(/narrower/);
  });

  const cases: { name: string; opts: PsfMatchingKernelOptions; innerRadiusPx: number; limit: number | null }[] = [
    { name: 'wiener mu=1e-5', opts: { method: 'wiener', regularization: 1e-5 }, innerRadiusPx: 1, limit: 0.01 },
    { name: 'wiener mu=1e-4 (pypher default)', opts: { method: 'wiener', regularization: 1e-4 }, innerRadiusPx: 1.5, limit: 0.01 },
    { name: 'wiener mu=1e-4 (pypher default), r>=1px', opts: { method: 'wiener', regularization: 1e-4 }, innerRadiusPx: 1, limit: null },
    { name: 'fourier Tukey(alpha=0.2)', opts: { method: 'fourier', window: { type: 'Tukey', alpha: 0.2 } }, innerRadiusPx: 1, limit: 0.01 },
    { name: 'fourier TopHat(beta=0.9)', opts: { method: 'fourier', window: { type: 'TopHat', beta: 0.9 } }, innerRadiusPx: 1, limit: 0.01 },
    { name: 'fourier SplitCosineBell(0.2,0.7)', opts: { method: 'fourier', window: { type: 'SplitCosineBell', alpha: 0.2, beta: 0.7 } }, innerRadiusPx: 1, limit: null },
    { name: 'fourier Tukey(alpha=0.5)', opts: { method: 'fourier', window: { type: 'Tukey', alpha: 0.5 } }, innerRadiusPx: 1, limit: null },
    { name: 'fourier CosineBell(alpha=0.8)', opts: { method: 'fourier', window: { type: 'CosineBell', alpha: 0.8 } }, innerRadiusPx: 1, limit: null },
    { name: 'fourier Hanning', opts: { method: 'fourier', window: { type: 'Hanning' } }, innerRadiusPx: 1, limit: null },
  ];

  it.each(cases)('$name: EE of stack*K vs target (radii >= $innerRadiusPx px)', ({ name, opts, innerRadiusPx, limit }) => {
    const k = psfMatchingKernel(source, target, opts);
    const q = kernelQuality(source, target, k, { innerRadiusPx, pixelScaleArcsec: PIXEL_SCALE_ARCSEC });
    report(name, q);
    if (limit !== null) {
      expect(q.maxEeDeviation).toBeLessThan(limit);
      expect(Math.abs(q.fwhmMatched / q.fwhmTarget - 1)).toBeLessThan(0.05);
    }
    expect(q.fwhmTarget).toBeGreaterThan(q.fwhmSource);
    // kernel from the stack applied to each star (star-to-star PSF scatter, reported only)
    const per = stars.map((s) => kernelQuality(s, target, k, { innerRadiusPx }).maxEeDeviation.toFixed(4));
    console.log(JSON.stringify({ name: `${name} per-star maxEeDeviation`, value: per }));
  });

  const py = hasPythonModules('numpy', 'photutils');
  describe.skipIf(!py)(`cross-check against photutils.psf.create_matching_kernel and a numpy pypher formula ${py ? '' : '(skipped: /usr/bin/python3 with numpy + photutils not found)'}`, () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'pixsed-psf-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('Fourier kernels (all five windows) and the Wiener kernel agree to 1e-8 of the kernel peak', () => {
      const n = source.width;
      const tgt = padCropOdd(target, n);
      writeNpy(join(dir, 'src.npy'), source.data, [n, n]);
      writeNpy(join(dir, 'tgt.npy'), tgt.data, [n, n]);
      const windows: { py: string; opts: PsfMatchingKernelOptions }[] = [
        { py: 'TopHatWindow(0.9)', opts: { method: 'fourier', window: { type: 'TopHat', beta: 0.9 } } },
        { py: 'CosineBellWindow(0.8)', opts: { method: 'fourier', window: { type: 'CosineBell', alpha: 0.8 } } },
        { py: 'SplitCosineBellWindow(0.2, 0.7)', opts: { method: 'fourier', window: { type: 'SplitCosineBell', alpha: 0.2, beta: 0.7 } } },
        { py: 'TukeyWindow(0.2)', opts: { method: 'fourier', window: { type: 'Tukey', alpha: 0.2 } } },
        { py: 'HanningWindow()', opts: { method: 'fourier', window: { type: 'Hanning' } } },
      ];
      runPython(
        `
import sys, numpy as np
from photutils.psf.matching import create_matching_kernel, TopHatWindow, CosineBellWindow, SplitCosineBellWindow, TukeyWindow, HanningWindow
d = sys.argv[1]
s = np.load(d + '/src.npy'); t = np.load(d + '/tgt.npy')
for i, w in enumerate([${windows.map((w) => w.py).join(', ')}]):
    np.save(d + '/k%d.npy' % i, np.ascontiguousarray(create_matching_kernel(s, t, window=w)))
# pypher (Boucaud et al. 2016): wiener = conj(H) / (|H|^2 + mu |L|^2), H = psf2otf(source), L = psf2otf(laplacian)
def psf2otf(p, shape):
    pad = np.zeros(shape); pad[:p.shape[0], :p.shape[1]] = p
    pad = np.roll(pad, (-(p.shape[0] // 2), -(p.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(pad)
sn = s / s.sum(); tn = t / t.sum()
H = psf2otf(sn, sn.shape)
L = psf2otf(np.array([[0., -1, 0], [-1, 4, -1], [0, -1, 0]]), sn.shape)
k = np.real(np.fft.ifft2(np.conj(H) / (np.abs(H)**2 + 1e-4 * np.abs(L)**2) * np.fft.fft2(tn)))
np.save(d + '/kw.npy', np.ascontiguousarray(k / k.sum()))
`,
        [dir],
      );
      const check = (ours: Float64Array, file: string): number => {
        const ref = readNpy(join(dir, file)).data;
        let m = 0;
        let peak = 0;
        for (let i = 0; i < ref.length; i++) {
          m = Math.max(m, Math.abs(ours[i] - ref[i]));
          peak = Math.max(peak, Math.abs(ref[i]));
        }
        return m / peak;
      };
      windows.forEach((w, i) => {
        const ours = psfMatchingKernel(source, tgt, w.opts);
        const d = check(ours.data, `k${i}.npy`);
        console.log(JSON.stringify({ name: `photutils ${w.py} max|diff|/peak`, value: d }));
        expect(d).toBeLessThan(1e-8);
      });
      const wiener = psfMatchingKernel(source, tgt, { method: 'wiener', regularization: 1e-4 });
      const dw = check(wiener.data, 'kw.npy');
      console.log(JSON.stringify({ name: 'numpy pypher formula max|diff|/peak', value: dw }));
      expect(dw).toBeLessThan(1e-8);
    });
  });
});
