import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pythonExecutable } from '@pixsed/core/node';

const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const mosaic = join(root, 'test-data/mosaic');
const makeModel = join(root, 'libs/model/test-scripts/make_toy_model.py');
const py = pythonExecutable();
const ready = existsSync(join(mosaic, 'survey.json')) && spawnSync(py, ['-c', 'import onnx, numpy, astropy'], { encoding: 'utf8' }).status === 0;
const bands = ['f277w', 'f356w', 'f444w'];

/** A toy posterior over (log_mstar, log_sfr100) for the three S/N bands: linear-Gaussian ONNX + manifest. */
function toyModel(dir: string) {
  const r = spawnSync(py, [makeModel, dir, ...bands], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

describe.skipIf(!ready)(ready ? 'pixsed run: mosaic → psf → snr-mask → inference → galaxies (toy model)' : 'skipped: needs test-data/mosaic and /usr/bin/python3 with onnx, numpy, astropy', () => {
  it('writes a reconciled summary, a galaxy catalogue, FITS maps with cropped WCS, and PNG quicklooks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-e2e-'));
    toyModel(dir);
    writeFileSync(
      join(dir, 'p.yaml'),
      `name: e2e
source:
  type: mosaic
  survey: ${join(mosaic, 'survey.json')}
  imageDir: ${mosaic}
  bands: [${bands.join(', ')}]
  segmentation: ${join(mosaic, 'segmentation.fits')}
  catalog: ${join(mosaic, 'catalog.csv')}
  stripRows: 48
  haloRows: 12
stages:
  - type: psf
    cacheDir: kernels
    psfs: { f277w: { fwhmArcsec: 0.092 }, f356w: { fwhmArcsec: 0.116 }, f444w: { fwhmArcsec: 0.145 } }
  - type: snr-mask
  - type: inference
    model: model.onnx
    samplesPerPixel: 64
sinks:
  - type: galaxies
    model: model.onnx
    samplesPerGalaxy: 200
  - type: arrow-ipc
`,
    );
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [bin, 'run', join(dir, 'p.yaml'), '--out', out, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    // accounting: every mosaic pixel is in the output or counted with a reason
    const dropped = Object.values(summary.droppedByReason as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(summary.rowsIn).toBe(256 * 256);
    expect(summary.rowsOut + dropped).toBe(summary.rowsIn);
    expect(summary.provenance.map((p: { stage: string }) => p.stage)).toEqual(['source:mosaic', 'psf', 'snr-mask', 'inference']);

    const csv = readFileSync(join(out, 'galaxies.csv'), 'utf8').trim().split('\n');
    const header = csv[0].split(',');
    const rows = csv.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
    expect(rows.map((x) => Number(x.galaxy_id))).toEqual([1, 2, 3, 4, 5]);
    let kept = 0;
    for (const g of rows) {
      const masked = header.filter((h) => h.startsWith('n_pixels_masked_')).reduce((a, h) => a + Number(g[h]), 0);
      expect(Number(g.n_pixels) + masked).toBe(Number(g.n_pixels_segment));
      kept += Number(g.n_pixels);
      for (const k of ['log_mstar_sum_p50', 'log_mstar_integrated_p50', 'delta_log_mstar']) expect(Number.isFinite(Number(g[k])), k).toBe(true);
    }
    expect(kept).toBe(summary.rowsOut);

    // maps: one extension per parameter × statistic + MASK; WCS cropped to the galaxy box
    const check = spawnSync(
      py,
      [
        '-c',
        `from astropy.io import fits; from astropy.wcs import WCS; import numpy as np, json
m = fits.open('${join(out, 'maps', 'galaxy_1.fits')}'); s = fits.getheader('${join(mosaic, 'segmentation.fits')}')
x0, y0 = m[0].header['X0'], m[0].header['Y0']
a = WCS(m['LOG_MSTAR_P50'].header).pixel_to_world_values(0, 0); b = WCS(s).pixel_to_world_values(x0, y0)
mk = m['MASK'].data  # kept: flags without removal bits (NO_REDSHIFT 2 | NONFINITE_FLUX 4 | BAD_ERROR 8 | LOW_SNR 16 = 30); removed: with them
print(json.dumps({"names": [h.name for h in m], "d": float(np.hypot(a[0]-b[0], a[1]-b[1])), "kept": int((np.isfinite(mk) & (np.nan_to_num(mk).astype(np.int64) & 30 == 0)).sum()), "removed": int((np.isfinite(mk) & (np.nan_to_num(mk).astype(np.int64) & 30 != 0)).sum()), "finite": int(np.isfinite(m['LOG_MSTAR_P50'].data).sum())}))`,
      ],
      { encoding: 'utf8' },
    );
    expect(check.status, check.stderr).toBe(0);
    const maps = JSON.parse(check.stdout);
    expect(maps.names).toEqual(['PRIMARY', ...['LOG_MSTAR', 'LOG_SFR100'].flatMap((p) => ['P50', 'P16', 'P84', 'STD'].map((s) => `${p}_${s}`)), 'MASK']);
    expect(maps.d).toBeLessThan(1e-9);
    expect(maps.kept).toBe(Number(rows[0].n_pixels));
    // every removed segment pixel is in MASK with its reason bits: as many as the catalogue's removal counts
    const removedCounts = Object.keys(rows[0]).filter((c) => c.startsWith('n_pixels_masked_')).reduce((t, c) => t + Number(rows[0][c]), 0);
    expect(maps.removed).toBe(removedCounts);
    expect(maps.kept + maps.removed).toBe(Number(rows[0].n_pixels_segment));
    expect(maps.finite).toBe(maps.kept);
    const png = readFileSync(join(out, 'quicklooks', 'galaxy_1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
