import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { column, ConfigError, galaxiesComplete, GridMismatchError, stripGeometry, type RecordBatch } from '@pixsed/core';
import { dataPath, hasData, missingDataMessage } from '@pixsed/core/node';
import { readFitsImage, writeFitsImage } from '@pixsed/fits/node';
import { openMosaic, type MosaicSourceConfig } from './mosaic-source.js';

const W = 20;
const H = 30;
const wcs = (crval1 = 53.1) => ({ CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: crval1, CRVAL2: -27.8, CRPIX1: 10.5, CRPIX2: 15.5, CD1_1: -8.333e-6, CD1_2: 0, CD2_1: 0, CD2_2: 8.333e-6 });
const bands = ['f277w', 'f356w', 'f444w'];
const survey = {
  name: 'toy',
  bands: bands.map((b, i) => ({ name: b, instrument: 'NIRCam', filterFile: `x${i}.dat`, pivotWavelengthAngstrom: 27000 + 8000 * i })),
  targetPsfBand: 'f444w',
  snrBands: bands,
  files: { sci: { pattern: '{band}_sci.fits' }, err: { pattern: '{band}_err.fits' }, errorKind: 'ERR' as const },
};
const PIXAR_SR = 2.1e-14;
const sciValue = (b: number, x: number, y: number) => b + 0.01 * x + 0.001 * y;

/** A 20×30 toy mosaic: band 0 in nJy, band 1 in MJy/sr (PIXAR_SR), band 2 in uJy; galaxies 1 (z=1.5), 2 (not in catalogue), 3 (blank z). */
async function toyMosaic(opts: { shiftBand?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pixsed-ingest-'));
  const units = [{ BUNIT: 'nJy' }, { BUNIT: 'MJy/sr', PIXAR_SR }, { BUNIT: 'uJy' }];
  for (let b = 0; b < 3; b++) {
    const sci = new Float32Array(W * H);
    const err = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        sci[y * W + x] = sciValue(b, x, y);
        err[y * W + x] = 0.5;
      }
    }
    const header = { ...wcs(opts.shiftBand === b ? 53.2 : 53.1), ...units[b] };
    await writeFitsImage(join(dir, `${bands[b]}_sci.fits`), { width: W, height: H, data: sci, header });
    await writeFitsImage(join(dir, `${bands[b]}_err.fits`), { width: W, height: H, data: err, header });
  }
  const seg = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) seg[y * W + x] = y < 10 ? (x < 10 ? 1 : 0) : y < 20 ? 2 : x >= 10 ? 3 : 0;
  await writeFitsImage(join(dir, 'seg.fits'), { width: W, height: H, data: seg, header: wcs() });
  writeFileSync(join(dir, 'cat.csv'), 'id,ra,dec,z\n1,53.1,-27.8,1.5\n3,53.1,-27.8,\n');
  return dir;
}

const baseConfig = (dir: string, extra: Partial<MosaicSourceConfig> = {}): MosaicSourceConfig => ({
  survey: survey as never,
  imageDir: dir,
  segmentation: 'seg.fits',
  catalog: 'cat.csv',
  stripRows: 7,
  tileColumns: 0,
  haloRows: 2,
  gridTolerancePx: 0.01,
  ...extra,
});

async function collect(dir: string, extra: Partial<MosaicSourceConfig> = {}) {
  const logs: string[] = [];
  const src = await openMosaic(baseConfig(dir, extra), { pipelineDir: dir, log: (m) => logs.push(m) });
  const batches: RecordBatch[] = [];
  for await (const b of src) batches.push(b);
  return { src, batches, logs };
}

describe('mosaic source', () => {
  it('streams strips with halos whose core rows tile the mosaic, in nJy per pixel', async () => {
    const dir = await toyMosaic();
    const { src, batches } = await collect(dir);
    expect(src.totalRows).toBe(W * H);
    expect(batches.length).toBe(Math.ceil(H / 7));
    const factor = [1, 2.1e-14 * 1e15, 1000]; // nJy, MJy/sr × Ω × 1e15, µJy × 1e3
    let covered = 0;
    for (const b of batches) {
      const g = stripGeometry(b, 'test');
      expect(b.numRows).toBe(g.width * g.height);
      expect(g.haloTop).toBe(g.y0 === 0 ? 0 : 2);
      const y = column(b, 'y');
      expect(y[0]).toBe(g.y0);
      for (let band = 0; band < 3; band++) {
        const f = column(b, `flux_${bands[band]}_njy`);
        const e = column(b, `flux_${bands[band]}_err_njy`);
        for (const i of [0, b.numRows - 1, 37 % b.numRows]) {
          const xi = column(b, 'x')[i];
          expect(f[i]).toBeCloseTo(Math.fround(sciValue(band, xi, y[i])) * factor[band], 3);
          expect(e[i]).toBeCloseTo(0.5 * factor[band], 4);
        }
      }
      covered += g.width * (g.height - g.haloTop - g.haloBottom);
    }
    expect(covered).toBe(W * H);
    // galaxies 1 (rows 0-9), 2 (10-19), 3 (20-29) complete in the strips holding their last row
    const done = batches.map((b) => galaxiesComplete(b).map((g) => g.id));
    expect(done).toEqual([[], [1], [2], [], [3]]); // strips of 7 rows: last rows 9, 19, 29
    expect(galaxiesComplete(batches[1])[0]).toEqual({ id: 1, x0: 0, x1: 9, y0: 0, y1: 9, nPixels: 100, ra: 53.1, dec: -27.8, zSource: 'spec' });
    expect(src.info.wcs!.CRVAL1).toBe(53.1);
  });

  it('states its StreamInfo before the first batch; batches carry per-batch facts only', async () => {
    const dir = await toyMosaic();
    const src = await openMosaic(baseConfig(dir, { tileColumns: 8 }), { pipelineDir: dir, log: () => undefined });
    // nothing pulled yet: the facts are there
    expect(src.info.bands.map((b) => [b.name, b.unit, b.pivotWavelengthAngstrom])).toEqual(bands.map((b, i) => [b, 'nJy', 27000 + 8000 * i]));
    expect(src.info.mosaic).toEqual({ width: W, height: H, stripRows: 7, tileColumns: 8, haloRows: 2 });
    expect(src.info.survey?.name).toBe(survey.name);
    expect(src.info.galaxies!.map((g) => g.id).sort()).toEqual([1, 2, 3]);
    expect(src.info.galaxies!.find((g) => g.id === 1)).toEqual({ id: 1, x0: 0, x1: 9, y0: 0, y1: 9, nPixels: 100, ra: 53.1, dec: -27.8, zSource: 'spec' });
    expect(src.info.columns.map((c) => c.name)).toContain('flux_f444w_err_njy');
    const first = (await src[Symbol.asyncIterator]().next()).value as RecordBatch;
    const keys = [...first.schema.metadata.keys()];
    expect(keys.every((k) => k.startsWith('pixsed.strip.') || k === 'pixsed.pixels' || k === 'pixsed.galaxies.complete')).toBe(true);
    await src.close!();
  });

  it('cuts strips into tiles with halos on all four sides: cores cover every pixel once, each galaxy completes once, after its last pixel', async () => {
    const dir = await toyMosaic();
    const { src, batches } = await collect(dir, { tileColumns: 6 });
    expect(src.totalBatches).toBe(Math.ceil(H / 7) * Math.ceil(W / 6));
    expect(batches.length).toBe(src.totalBatches);
    const seen = new Uint8Array(W * H);
    const lastBatchOf = new Map<number, number>(); // galaxy → last batch holding one of its core pixels
    const completedIn = new Map<number, number>();
    let pixels = 0;
    batches.forEach((b, k) => {
      const g = stripGeometry(b, 'test');
      expect(b.numRows).toBe(g.width * g.height);
      expect(g.haloLeft).toBe(Math.min(2, g.x0 + g.haloLeft));
      expect(g.haloRight).toBe(Math.min(2, W - (g.x0 + g.width - g.haloRight)));
      const x = column(b, 'x');
      const y = column(b, 'y');
      const gid = column(b, 'galaxy_id');
      const f = column(b, 'flux_f277w_njy');
      expect(x[0]).toBe(g.x0);
      expect(y[0]).toBe(g.y0);
      for (let i = 0; i < b.numRows; i++) {
        expect(f[i]).toBeCloseTo(Math.fround(sciValue(0, x[i], y[i])), 4);
        const col = i % g.width;
        const row = Math.floor(i / g.width);
        if (col < g.haloLeft || col >= g.width - g.haloRight || row < g.haloTop || row >= g.height - g.haloBottom) continue;
        seen[y[i] * W + x[i]]++;
        if (gid[i] > 0) lastBatchOf.set(gid[i], k);
      }
      pixels += Number(b.schema.metadata.get('pixsed.pixels'));
      for (const c of galaxiesComplete(b)) {
        expect(completedIn.has(c.id)).toBe(false);
        completedIn.set(c.id, k);
      }
    });
    expect(Array.from(seen).every((v) => v === 1)).toBe(true);
    expect(pixels).toBe(W * H);
    expect([...completedIn.keys()].sort()).toEqual([1, 2, 3]);
    for (const [id, k] of completedIn) expect(k).toBe(lastBatchOf.get(id));
  });

  it('joins galaxy id and z and flags (never drops) pixels outside segments or without z', async () => {
    const dir = await toyMosaic();
    const { batches } = await collect(dir, { haloRows: 0 });
    const counts = { outside: 0, noz: 0, rows: 0, z15: 0 };
    for (const b of batches) {
      const flags = column(b, 'flags');
      const z = column(b, 'z');
      counts.rows += b.numRows;
      for (let i = 0; i < b.numRows; i++) {
        if (flags[i] & 1) counts.outside++;
        if (flags[i] & 2) counts.noz++;
        if (z[i] === 1.5) counts.z15++;
      }
    }
    expect(counts.rows).toBe(W * H);
    expect(counts.outside).toBe(100 + 100); // rows 0-9 x≥10, rows 20-29 x<10
    expect(counts.noz).toBe(200 + 100); // galaxy 2 (not in catalogue) + galaxy 3 (blank z)
    expect(counts.z15).toBe(100);
  });

  it('refuses bands on different pixel grids, listing the difference', async () => {
    const dir = await toyMosaic({ shiftBand: 1 });
    await expect(collect(dir)).rejects.toThrow(GridMismatchError);
    await expect(collect(dir)).rejects.toThrow(/f356w_sci\.fits \(f356w sci\): off the reference grid by [\d.e+]+ px at pixel .*CRVAL1 53\.2 vs 53\.1/);
  });

  it('names the missing file and the band', async () => {
    const dir = await toyMosaic();
    await expect(collect(dir, { bands: ['f444w', 'f150w'] })).rejects.toThrow(/band 'f150w' is not in survey 'toy'/);
    const err = await collect(dir, { files: { f444w: { sci: 'nope.fits' } } }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/science image for band f444w not found: .*nope\.fits/);
  });

  it('reports catalogue problems with file and column', async () => {
    const dir = await toyMosaic();
    writeFileSync(join(dir, 'bad.csv'), 'ident,z\n1,1.0\n');
    await expect(collect(dir, { catalog: 'bad.csv' })).rejects.toThrow(/bad\.csv \(id\): missing column 'id'/);
    writeFileSync(join(dir, 'bad2.csv'), 'id,z\n1,-3\n');
    await expect(collect(dir, { catalog: 'bad2.csv' })).rejects.toThrow(/bad2\.csv \(z \(row 1\)\): expected a redshift/);
  });

  it('closes its files when the consumer stops early', async () => {
    const dir = await toyMosaic();
    const src = await openMosaic(baseConfig(dir), { pipelineDir: dir, log: () => undefined });
    const it = src[Symbol.asyncIterator]();
    await it.next();
    await it.return?.();
    await expect(it.next()).resolves.toEqual({ done: true, value: undefined });
  });
});

const CUT = 'images/hst-hff-abell2744-f105w/abell_2744_dwarf_galaxy_f105w.fits.gz';
const RMS = 'images/hst-hff-abell2744-f105w/abell_2744_dwarf_galaxy_f105w_rms.fits.gz';
const havePy = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import astropy']).status === 0;
const ready = hasData(CUT, RMS) && havePy;

describe.skipIf(!ready)(ready ? 'real HST Frontier Fields cutout (gzip, count rates + PHOTFNU, rms without WCS)' : `${missingDataMessage(CUT, RMS)} or /usr/bin/python3 with astropy missing`, () => {
  it('converts e⁻/s to nJy with PHOTFNU like astropy does, strip by strip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixsed-hff-'));
    const sci = await readFitsImage(dataPath(CUT));
    const wcsKeys = Object.fromEntries(
      Object.entries(sci.header.toRecord()).filter(([k]) => /^(CTYPE|CRVAL|CRPIX|CD\d_\d|PC\d_\d|CDELT|CUNIT)/.test(k)),
    ) as Record<string, string | number>;
    const seg = new Float32Array(sci.width * sci.height);
    for (let i = 0; i < seg.length; i++) seg[i] = (i % sci.width) < 100 ? 7 : 0;
    await writeFitsImage(join(dir, 'seg.fits'), { width: sci.width, height: sci.height, data: seg, header: wcsKeys });
    writeFileSync(join(dir, 'cat.csv'), 'id,z\n7,0.308\n');
    const logs: string[] = [];
    const src = await openMosaic(
      {
        survey: 'hst',
        imageDir: dataPath('images/hst-hff-abell2744-f105w'),
        bands: ['f105w'],
        files: { f105w: { sci: 'abell_2744_dwarf_galaxy_f105w.fits.gz', err: 'abell_2744_dwarf_galaxy_f105w_rms.fits.gz' } },
        segmentation: join(dir, 'seg.fits'),
        catalog: join(dir, 'cat.csv'),
        stripRows: 64,
        haloRows: 0,
        gridTolerancePx: 0.01,
      },
      { pipelineDir: dir, log: (m) => logs.push(m) },
    );
    let sum = 0;
    let sumErr2 = 0;
    for await (const b of src) {
      const f = column(b, 'flux_f105w_njy');
      const e = column(b, 'flux_f105w_err_njy');
      for (let i = 0; i < b.numRows; i++) {
        if (!Number.isFinite(f[i])) continue;
        sum += f[i];
        sumErr2 += e[i] * e[i];
      }
    }
    expect(logs.join('\n')).toMatch(/has no WCS; assumed on the science grid/);
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        `import numpy as np; from astropy.io import fits
h=fits.open('${dataPath(CUT)}')[0]; r=fits.getdata('${dataPath(RMS)}').astype(np.float64)
f=h.data.astype(np.float64)*h.header['PHOTFNU']*1e9; e=r*h.header['PHOTFNU']*1e9
m=np.isfinite(f); print(f[m].sum(), (e[m]**2).sum())`,
      ],
      { encoding: 'utf8' },
    );
    const [pySum, pyErr2] = py.stdout.trim().split(/\s+/).map(Number);
    expect(Math.abs(sum - pySum) / Math.abs(pySum)).toBeLessThan(1e-5);
    expect(Math.abs(sumErr2 - pyErr2) / pyErr2).toBeLessThan(1e-5);
  });
});
