import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFitsImage } from '@pixsed/fits/node';
import { dataPath, hasData, missingDataMessage } from '@pixsed/core/node';
import { convolveImage } from '../convolve-image.js';
import { createStripConvolver } from '../create-strip-convolver.js';
import { gaussianPsf } from '../gaussian-psf.js';
import { varianceKernel } from '../variance-kernel.js';
import { readNpy, writeNpy } from '@pixsed/core/node';
import { hasPythonModules, runPython } from './python-internals.js';

const IMAGE = 'images/hst-hff-abell2744-f105w/abell_2744_cd_galaxy_f105w.fits.gz';
const RMS = 'images/hst-hff-abell2744-f105w/abell_2744_dwarf_galaxy_f105w_rms.fits.gz';
const haveData = hasData(IMAGE, RMS);
const havePy = hasPythonModules('numpy', 'scipy.signal', 'astropy.io.fits');
const why = !haveData
  ? missingDataMessage(IMAGE, RMS)
  : !havePy
    ? '(skipped: /usr/bin/python3 with numpy, scipy and astropy not found; set PIXSED_PYTHON)'
    : '';

/** Asymmetric, partly negative 31x17 kernel (like a matching kernel: unit sum, negative ringing). */
function asymmetricKernel(): { width: number; height: number; data: Float64Array } {
  const w = 17;
  const h = 31;
  const g = gaussianPsf({ size: 31, sigma: 3, sigmaY: 5, dx: 1.3 });
  const data = new Float64Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = g.data[y * 31 + x + 7] - 0.0008 * Math.cos(x + y);
  const s = data.reduce((a, b) => a + b, 0);
  for (let i = 0; i < data.length; i++) data[i] /= s;
  return { width: w, height: h, data };
}

function compare(ours: ArrayLike<number>, ref: ArrayLike<number>): { maxAbsOverMax: number; maxRelBright: number } {
  let peak = 0;
  for (let i = 0; i < ref.length; i++) peak = Math.max(peak, Math.abs(ref[i]));
  let m = 0;
  let rel = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(ours[i] - ref[i]);
    m = Math.max(m, d);
    if (Math.abs(ref[i]) > 1e-3 * peak) rel = Math.max(rel, d / Math.abs(ref[i]));
  }
  return { maxAbsOverMax: m / peak, maxRelBright: rel };
}

describe.skipIf(!haveData || !havePy)(`convolution vs scipy.signal.fftconvolve(mode="same") on a real HST F105W cutout ${why}`, () => {
  let dir: string;
  let img: { width: number; height: number; data: Float32Array | Float64Array };
  let rms: { width: number; height: number; data: Float32Array | Float64Array };
  const kernels = { gauss101: gaussianPsf({ size: 101, sigma: 6 }), asym: asymmetricKernel() };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pixsed-psf-conv-'));
    img = await readFitsImage(dataPath(IMAGE));
    rms = await readFitsImage(dataPath(RMS));
    for (const [name, k] of Object.entries(kernels)) writeNpy(join(dir, `${name}.npy`), k.data, [k.height, k.width]);
    // python reads the FITS files itself (astropy), independent of @pixsed/fits
    runPython(
      `
import sys, numpy as np
from astropy.io import fits
from scipy.signal import fftconvolve
d, img_path, rms_path = sys.argv[1:4]
img = fits.getdata(img_path).astype(np.float64)
var = fits.getdata(rms_path).astype(np.float64) ** 2
for name in ['gauss101', 'asym']:
    k = np.load(d + '/' + name + '.npy')
    np.save(d + '/out_' + name + '.npy', np.ascontiguousarray(fftconvolve(img, k, mode='same')))
    # scipy's own float32 arithmetic, the yardstick for our float32 precision
    out32 = fftconvolve(img.astype(np.float32), k.astype(np.float32), mode='same')
    np.save(d + '/out32_' + name + '.npy', np.ascontiguousarray(out32.astype(np.float64)))
    np.save(d + '/var_' + name + '.npy', np.ascontiguousarray(fftconvolve(var, k ** 2, mode='same')))
`,
      [dir, dataPath(IMAGE), dataPath(RMS)],
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['gauss101', 'asym'] as const)('%s, precision float64: convolveImage agrees with scipy to 1e-5 relative', (name) => {
    const k = kernels[name];
    const ours = convolveImage(img.data, img.width, img.height, k, { precision: 'float64' });
    const ref = readNpy(join(dir, `out_${name}.npy`));
    expect(ref.shape).toEqual([img.height, img.width]);
    const c = compare(ours, ref.data);
    console.log(JSON.stringify({ name: `scipy agreement float64 ${name} ${img.width}x${img.height}`, ...c }));
    expect(c.maxAbsOverMax).toBeLessThan(1e-5);
    expect(c.maxRelBright).toBeLessThan(1e-5);
  });

  // float32 FFTs (the default) err by ~2e-7 of the peak everywhere, so pixels at 1e-3 of the peak
  // carry ~1e-4 relative error: scipy's own float32 fftconvolve gives 4.4e-5 here. The bar on them is
  // therefore scipy float32's own error (x2), while the error relative to the peak keeps the 1e-5 bar.
  it.each(['gauss101', 'asym'] as const)('%s, precision float32 (default): agrees with scipy to 1e-5 of the peak, as well as scipy float32 on faint pixels', (name) => {
    const k = kernels[name];
    const ours = convolveImage(img.data, img.width, img.height, k);
    const ref = readNpy(join(dir, `out_${name}.npy`));
    const c = compare(ours, ref.data);
    const scipy32 = compare(readNpy(join(dir, `out32_${name}.npy`)).data, ref.data);
    console.log(JSON.stringify({ name: `scipy agreement float32 ${name} ${img.width}x${img.height}`, ...c, scipyFloat32: scipy32 }));
    expect(c.maxAbsOverMax).toBeLessThan(1e-5);
    expect(c.maxRelBright).toBeLessThan(Math.min(1e-4, 2 * scipy32.maxRelBright));
  });

  it.each(['gauss101', 'asym'] as const)('%s: variance var*K^2 agrees with scipy fftconvolve(rms^2, K^2)', (name) => {
    const k = varianceKernel(kernels[name]);
    const v = Float64Array.from(rms.data, (s) => s * s);
    const ours = convolveImage(v, rms.width, rms.height, k);
    const c = compare(ours, readNpy(join(dir, `var_${name}.npy`)).data);
    console.log(JSON.stringify({ name: `scipy agreement var*K^2 ${name} ${rms.width}x${rms.height}`, ...c }));
    expect(c.maxAbsOverMax).toBeLessThan(1e-5);
  });

  it.each([1, 10, 37, 64, 128, 400])('stripRows = %i: strip-wise output equals the whole-image output', (stripRows) => {
    const k = kernels.asym;
    const { width: w, height: h, data } = img;
    const whole = convolveImage(data, w, h, k);
    const conv = createStripConvolver(k, w);
    const out = new Float32Array(w * h);
    for (let y0 = 0; y0 < h; y0 += stripRows) {
      const y1 = Math.min(h, y0 + stripRows);
      const top = Math.min(conv.haloRowsTop, y0);
      const bottom = Math.min(conv.haloRowsBottom, h - y1);
      out.set(conv.convolveStrip(data.subarray((y0 - top) * w, (y1 + bottom) * w), { haloTop: top, haloBottom: bottom }), y0 * w);
    }
    const c = compare(out, whole);
    expect(c.maxAbsOverMax).toBeLessThan(1e-6);
    expect(compare(out, readNpy(join(dir, 'out_asym.npy')).data).maxAbsOverMax).toBeLessThan(1e-5);
  });
});
