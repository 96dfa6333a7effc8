import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { column, STANDARD_FLAGS, stripGeometry, type RecordBatch } from '@pixsed/core';
import { repoRoot } from '@pixsed/core/node';
import { readFitsImage } from '@pixsed/fits/node';
import { openMosaic, mosaicSourceSchema } from '@pixsed/ingest/node';
import { jadesSurvey } from '@pixsed/surveys';
import { JADES_BANDS } from '../default-psf-fwhm.js';

// Reads only the committed demo mosaic (no ../shared/data needed).
const demo = resolve(repoRoot(), 'test-data', 'mosaic');
const truth = JSON.parse(readFileSync(join(demo, 'truth.json'), 'utf8'));
const bit = (name: string) => 1 << STANDARD_FLAGS.find((f) => f.name === name)!.bit;

async function stream(config: Record<string, unknown>) {
  const src = await openMosaic(mosaicSourceSchema.parse({ imageDir: '.', segmentation: 'segmentation.fits', catalog: 'catalog.csv', stripRows: 50, haloRows: 3, ...config }), { pipelineDir: demo, log: () => undefined });
  const batches: RecordBatch[] = [];
  for await (const b of src) batches.push(b);
  return { src, batches };
}

describe('demo mock mosaic (test-data/mosaic) through @pixsed/ingest openMosaic', () => {
  it('has 19 bands, 5 galaxies and the documented files', () => {
    expect(truth.bands).toEqual([...JADES_BANDS]);
    expect(truth.galaxies.map((g: { id: number }) => g.id)).toEqual([1, 2, 3, 4, 5]);
    const cat = readFileSync(join(demo, 'catalog.csv'), 'utf8').trim().split('\n');
    expect(cat[0]).toBe('id,ra,dec,z');
    expect(cat).toHaveLength(6);
  });

  it('streams with the written survey.json: flags, galaxy ids, z and fluxes match the files', async () => {
    const survey = JSON.parse(readFileSync(join(demo, 'survey.json'), 'utf8'));
    const { src, batches } = await stream({ survey });
    expect(src.bands).toEqual([...JADES_BANDS]);
    const seg = (await readFitsImage(join(demo, 'segmentation.fits'))).data;
    const f444 = (await readFitsImage(join(demo, 'f444w_sci.fits'))).data;
    const zOf = new Map<number, number>(truth.galaxies.map((g: { id: number; z: number }) => [g.id, g.z]));
    const W = 256;
    const ids = new Set<number>();
    let rows = 0;
    let bad = 0;
    for (const b of batches) {
      const geo = stripGeometry(b);
      const gid = column<Int32Array>(b, 'galaxy_id');
      const flags = column<Uint32Array>(b, 'flags');
      const z = column<Float32Array>(b, 'z');
      const flux = column<Float32Array>(b, 'flux_f444w_njy');
      const err = column<Float32Array>(b, 'flux_f444w_err_njy');
      for (let i = 0; i < gid.length; i++) {
        const k = geo.y0 * W + i;
        if (gid[i] !== seg[k] || flux[i] !== f444[k] || Math.abs(err[i] / truth.sigmaNjy.f444w - 1) > 1e-6) bad++;
        if (gid[i] === 0) {
          if (!(flags[i] & bit('OUTSIDE_SEGMENTATION'))) bad++;
        } else {
          ids.add(gid[i]);
          if (flags[i] !== 0 || Math.abs(z[i] - zOf.get(gid[i])!) > 1e-4) bad++;
        }
      }
      rows += geo.height - geo.haloTop - geo.haloBottom;
    }
    expect(bad).toBe(0);
    expect(rows).toBe(256);
    expect([...ids].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('also streams with the jades survey and explicit per-band files', async () => {
    const files = Object.fromEntries(JADES_BANDS.map((b) => [b, { sci: `${b}_sci.fits`, err: `${b}_err.fits` }]));
    const { batches } = await stream({ survey: 'jades', files, bands: ['f277w', 'f356w', 'f444w'] });
    expect(jadesSurvey.fluxUnit).toBe('MJy/sr'); // BUNIT = nJy in the files wins over the survey default
    const b = batches[1];
    const sci = (await readFitsImage(join(demo, 'f356w_sci.fits'))).data;
    const geo = stripGeometry(b);
    const f = column<Float32Array>(b, 'flux_f356w_njy');
    for (let i = 0; i < f.length; i += 97) expect(f[i]).toBe(sci[geo.y0 * 256 + i]);
  });

  it('is bright enough: most footprint pixels have mean S/N > 5 in F277W/F356W/F444W; Σ truth mass matches truth.json', async () => {
    const seg = (await readFitsImage(join(demo, 'segmentation.fits'))).data;
    const logm = (await readFitsImage(join(demo, 'truth_log_mstar.fits'))).data;
    const planes = await Promise.all(['f277w', 'f356w', 'f444w'].flatMap((b) => [`${b}_sci.fits`, `${b}_err.fits`]).map(async (f) => (await readFitsImage(join(demo, f))).data));
    for (const g of truth.galaxies) {
      let n = 0;
      let good = 0;
      let mass = 0;
      for (let i = 0; i < seg.length; i++) {
        if (seg[i] !== g.id) continue;
        n++;
        mass += 10 ** logm[i];
        const snr = (planes[0][i] / planes[1][i] + planes[2][i] / planes[3][i] + planes[4][i] / planes[5][i]) / 3;
        if (snr > 5) good++;
      }
      expect(n).toBe(g.footprint_pixels);
      expect(good / n).toBeGreaterThan(0.6);
      expect(Math.abs(Math.log10(mass) - g.log_mstar_footprint)).toBeLessThan(1e-5);
      expect(g.log_mstar_total).toBeGreaterThan(9);
      expect(g.log_mstar_total).toBeLessThan(10.5);
    }
  });
});
