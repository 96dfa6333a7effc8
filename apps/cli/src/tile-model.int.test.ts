import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readFitsImage } from '@pixsed/fits/node';
import { readParquet } from '@pixsed/parquet/node';

/**
 * The tile-model stage and tile-maps sink end to end on the committed demo mosaic, with the 1×1-convolution fixture
 * model (libs/tile-model/test-fixtures: maps[o] = Σ_c W[o,c] x[c] + b[o], x = asinh(flux/scale) per band, z/3, segment)
 * on 16 × 16 tiles, so every demo galaxy is tiled and blended: the CNN maps at each kept pixel must equal the
 * convolution computed here from that pixel's PSF-matched fluxes in pixels.parquet; every segment pixel (also those
 * the S/N cut removed) has a value; FITS headers carry the WCS cropped to the box and the model's sha256.
 */
const root = resolve(__dirname, '..', '..', '..');
const bin = join(root, 'apps/cli/dist/main.js');
const fixture = join(root, 'libs/tile-model/test-fixtures/pointwise');
const tmp = mkdtempSync(join(tmpdir(), 'pixsed-tile-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const Wt = (o: number, c: number) => (((o + 1) * (c + 2)) % 7 - 3) / 10;
const Bt = (o: number) => o / 10 - 0.5;

const yaml = `name: tile-test
source: { type: mosaic, survey: ${root}/test-data/mosaic/survey.json, imageDir: ${root}/test-data/mosaic, segmentation: ${root}/test-data/mosaic/segmentation.fits, catalog: ${root}/test-data/mosaic/catalog.csv, stripRows: 64, haloRows: 16 }
stages:
  - { type: psf, targetBand: f444w, passThroughBands: [f460m, f480m] }
  - { type: tile-model, model: ${fixture}/model.onnx, overlapPx: 4, tilesPerRun: 5 }
  - { type: snr-mask, snrBands: [f277w, f356w, f444w], snrThreshold: 40 }
sinks:
  - { type: parquet, path: pixels.parquet }
  - { type: tile-maps }
`;

describe('pixsed run with the tile-model stage', () => {
  const file = join(tmp, 'p.yaml');
  writeFileSync(file, yaml);
  const out = join(tmp, 'out');
  const r = spawnSync(process.execPath, [bin, 'run', file, '--out', out, '--quiet', '--no-report'], { encoding: 'utf8', cwd: root });

  it('runs, and every segment pixel of every galaxy gets CNN maps equal to the model on its PSF-matched fluxes', async () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'run-summary.json'), 'utf8'));
    const boxes: { id: number; x0: number; y0: number; x1: number; y1: number; nPixels: number }[] = summary.stream.galaxies;
    expect(boxes.length).toBe(5);
    expect(summary.files).toEqual(expect.arrayContaining(['maps-cnn/galaxy_1.fits', 'quicklooks-cnn/galaxy_5.png', 'pixels-cnn.parquet']));
    const px = await readParquet(join(out, 'pixels.parquet'));
    const col = (n: string) => px.columns[n] as ArrayLike<number>;
    const totalSegment = boxes.reduce((s, b) => s + b.nPixels, 0);
    // the S/N cut removed pixels: the CNN maps must still cover them
    expect(px.numRows).toBeLessThan(totalSegment * 0.9);
    const maps = new Map<number, { b: (typeof boxes)[0]; hdu: Float32Array[]; mask: ArrayLike<number>; header: Record<string, unknown> }>();
    for (const b of boxes) {
      const f = join(out, 'maps-cnn', `galaxy_${b.id}.fits`);
      const hdu = await Promise.all([1, 5, 4, 8].map(async (h) => (await readFitsImage(f, { hdu: h })).data as Float32Array));
      const m = await readFitsImage(f, { hdu: 9 });
      const first = await readFitsImage(f, { hdu: 1 });
      let seg = 0;
      let finite = 0;
      for (let i = 0; i < m.data.length; i++) {
        if (m.data[i] >= 0) seg++;
        if (Number.isFinite(hdu[0][i])) finite++;
      }
      expect(seg).toBe(b.nPixels);
      expect(finite).toBe(b.nPixels);
      maps.set(b.id, { b, hdu, mask: m.data, header: Object.fromEntries(['MODELSHA', 'MODEL', 'CRPIX1', 'CRPIX2', 'BUNIT', 'PARAM', 'STAT'].map((k) => [k, first.header.get(k)])) });
    }
    const sha = createHash('sha256').update(readFileSync(join(fixture, 'model.onnx'))).digest('hex');
    const wcs = summary.stream.wcs;
    for (const { b, header } of maps.values()) {
      expect(header).toEqual({ MODELSHA: sha, MODEL: 'pointwise-test', CRPIX1: wcs.CRPIX1 - b.x0, CRPIX2: wcs.CRPIX2 - b.y0, BUNIT: 'dex(solMass)', PARAM: 'log_mstar', STAT: 'p50' });
    }
    const scales = [['f444w', 0.1], ['f356w', 0.08], ['f277w', 0.07], ['f150w', 0.1]] as const;
    let checked = 0;
    for (let i = 0; i < px.numRows; i++) {
      const g = maps.get(col('galaxy_id')[i])!;
      const j = (col('y')[i] - g.b.y0) * (g.b.x1 - g.b.x0 + 1) + (col('x')[i] - g.b.x0);
      const x = [...scales.map(([band, s]) => Math.asinh(col(`flux_${band}_njy`)[i] / s)), col('z')[i] / 3, 1];
      const lin = (o: number) => x.reduce((s, v, c) => s + Wt(o, c) * v, Bt(o));
      expect(g.hdu[0][j]).toBeCloseTo(lin(0), 4); // log_mstar mean
      expect(g.hdu[1][j]).toBeCloseTo(lin(1), 4); // av mean
      expect(Math.log(g.hdu[2][j])).toBeCloseTo(lin(2), 4); // ln σ(log_mstar)
      expect(Math.log(g.hdu[3][j])).toBeCloseTo(lin(3), 4);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
    const cnn = await readParquet(join(out, 'pixels-cnn.parquet'));
    expect(cnn.numRows).toBe(totalSegment);
    const c = (n: string) => cnn.columns[n] as ArrayLike<number>;
    for (let i = 0; i < cnn.numRows; i += 97) {
      const g = maps.get(c('galaxy_id')[i])!;
      const j = (c('y')[i] - g.b.y0) * (g.b.x1 - g.b.x0 + 1) + (c('x')[i] - g.b.x0);
      expect(c('log_mstar_cnn_mean')[i]).toBe(g.hdu[0][j]);
      expect(c('av_cnn_std')[i]).toBe(g.hdu[3][j]);
    }
    expect(cnn.fieldMetadata.log_mstar_cnn_mean.unit).toBe('dex(Msun)');
  });

  it('validate-config refuses tile-model after snr-mask (the model needs every pixel of a box), naming the fix', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, yaml.replace(/ {2}- \{ type: tile-model.*\n/, '').replace(/( {2}- \{ type: snr-mask.*\n)/, `$1  - { type: tile-model, model: ${fixture}/model.onnx, overlapPx: 4 }\n`));
    const v = spawnSync(process.execPath, [bin, 'validate-config', bad, '--no-probe'], { encoding: 'utf8', cwd: root });
    expect(v.status).toBe(1); // a SchemaError, as the galaxies sink without a mask before it
    expect(v.stderr).toMatch(/tile-model: the stream is already masked \(snr-mask before this stage\)[^\n]*put tile-model after psf and before snr-mask/);
  });
});
