// Fault suite for the mosaic source (issue 14: error planes, grid, segmentation, catalogue, FITS):
// every case rewrites files of the committed demo mosaic (test-data/mosaic) in a temp dir, opens the
// source as the pipeline does, and asserts either an error naming the file and key or values equal to
// the clean mosaic's (independent: the committed files read back directly).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { column, ConfigError, DataFileError, FitsFormatError, FLAG, GridMismatchError, type RecordBatch } from '@pixsed/core';
import { repoRoot } from '@pixsed/core/node';
import { formatHeader, type FitsValue } from '@pixsed/fits';
import { readFitsImage, writeFitsExtensions, writeFitsImage, type FitsImage, type FitsImageToWrite } from '@pixsed/fits/node';
import { mosaicSourceSchema, openMosaic } from './mosaic-source.js';
import { rejects } from '../test-helpers/rejection.js';

const DEMO = resolve(repoRoot(), 'test-data', 'mosaic');
const BANDS = ['f277w', 'f444w'];
const W = 256;
const H = 256;
/** Pixel solid angle of the demo grid: (0.03″)² in sr (|CD| = 0.03/3600 deg). */
const OMEGA = (((0.03 / 3600) * Math.PI) / 180) ** 2;

let root: string;
const clean: Record<string, { sci: FitsImage; err: FitsImage }> = {};
let seg: FitsImage;
let cleanSigma: Record<string, Float32Array>;
let cleanFlux: Record<string, Float32Array>;

type Cards = Record<string, string | number | boolean | null>;
const cards = (img: FitsImage, extra: Cards = {}, drop: string[] = []): Cards => {
  const rec = img.header.toRecord() as Record<string, FitsValue>;
  const out: Cards = {};
  for (const [k, v] of Object.entries(rec)) if (!drop.includes(k) && (typeof v !== 'object' || v === null)) out[k] = v as string | number | boolean | null;
  return { ...out, ...extra };
};

/** A fresh copy of the demo mosaic's f277w and f444w planes, segmentation, catalogue and survey. */
function freshDir(): string {
  const dir = mkdtempSync(join(root, 'case-'));
  for (const b of BANDS) for (const p of ['sci', 'err']) copyFileSync(join(DEMO, `${b}_${p}.fits`), join(dir, `${b}_${p}.fits`));
  for (const f of ['segmentation.fits', 'catalog.csv', 'survey.json']) copyFileSync(join(DEMO, f), join(dir, f));
  return dir;
}

const surveyJson = (): Record<string, unknown> => JSON.parse(readFileSync(join(DEMO, 'survey.json'), 'utf8'));

async function open(dir: string, extra: Record<string, unknown> = {}, logs: string[] = []) {
  const config = mosaicSourceSchema.parse({ survey: 'survey.json', imageDir: '.', segmentation: 'segmentation.fits', catalog: 'catalog.csv', bands: BANDS, stripRows: 64, haloRows: 0, tileColumns: 0, ...extra });
  return openMosaic(config, { pipelineDir: dir, log: (m) => logs.push(m) });
}

/** Streams the whole mosaic and reassembles the named columns as W×H images. */
async function images(dir: string, extra: Record<string, unknown> = {}, logs: string[] = []): Promise<Record<string, Float64Array>> {
  const src = await open(dir, extra, logs);
  const out: Record<string, Float64Array> = {};
  const names = [...BANDS.flatMap((b) => [`flux_${b}_njy`, `flux_${b}_err_njy`]), 'galaxy_id', 'z', 'flags'];
  for (const n of names) out[n] = new Float64Array(W * H);
  for await (const b of src as AsyncIterable<RecordBatch>) {
    const x = column(b, 'x');
    const y = column(b, 'y');
    for (const n of names) {
      const c = column(b, n);
      for (let i = 0; i < b.numRows; i++) out[n][y[i] * W + x[i]] = c[i];
    }
  }
  return out;
}

/** Largest relative difference over pixels where `ref` is finite and non-zero; also checks NaN/Inf agree elsewhere. */
function maxRel(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i];
    if (!Number.isFinite(r)) {
      if (!Object.is(got[i], r) && !(Number.isNaN(got[i]) && Number.isNaN(r))) return Infinity;
      continue;
    }
    const d = r === 0 ? Math.abs(got[i]) : Math.abs(got[i] - r) / Math.abs(r);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const write = (path: string, img: Omit<FitsImageToWrite, 'width' | 'height'>) => writeFitsImage(path, { width: W, height: H, ...img });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pixsed-ingest-faults-'));
  for (const b of BANDS) clean[b] = { sci: await readFitsImage(join(DEMO, `${b}_sci.fits`)), err: await readFitsImage(join(DEMO, `${b}_err.fits`)) };
  seg = await readFitsImage(join(DEMO, 'segmentation.fits'));
  // the clean reference: the committed files as stored (BUNIT nJy, σ plane), no pipeline code involved
  cleanSigma = Object.fromEntries(BANDS.map((b) => [b, clean[b].err.data as Float32Array]));
  cleanFlux = Object.fromEntries(BANDS.map((b) => [b, clean[b].sci.data as Float32Array]));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mosaic source faults: error planes', () => {
  it('sanity: the clean copy streams the stored nJy values', async () => {
    const got = await images(freshDir());
    for (const b of BANDS) {
      expect(maxRel(got[`flux_${b}_njy`], cleanFlux[b])).toBe(0);
      expect(maxRel(got[`flux_${b}_err_njy`], cleanSigma[b])).toBe(0);
    }
  });

  const mef = async (dir: string) => {
    const { sci, err } = clean.f444w;
    await writeFitsExtensions(
      join(dir, 'f444w_mef.fits'),
      [
        { width: W, height: H, data: sci.data as Float32Array, extname: 'SCI', header: cards(sci) },
        { width: W, height: H, data: err.data as Float32Array, extname: 'ERR', header: cards(err) },
      ],
      { TELESCOP: 'JWST' },
    );
  };

  it('MEF PRIMARY/SCI/ERR via { file, hdu }: σ from the ERR HDU equals the separate-file σ', async () => {
    const dir = freshDir();
    await mef(dir);
    const got = await images(dir, { files: { f444w: { sci: { file: 'f444w_mef.fits', hdu: 'SCI' }, err: { file: 'f444w_mef.fits', hdu: 'ERR' } } } });
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
    expect(maxRel(got.flux_f444w_njy, cleanFlux.f444w)).toBe(0);
  });

  it("MEF via 'file[ERR]' and 'file[2]' strings (astropy/CFITSIO style)", async () => {
    const dir = freshDir();
    await mef(dir);
    const byName = await images(dir, { files: { f444w: { sci: 'f444w_mef.fits[SCI]', err: 'f444w_mef.fits[ERR]' } } });
    expect(maxRel(byName.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
    const byIndex = await images(dir, { files: { f444w: { sci: 'f444w_mef.fits[1]', err: 'f444w_mef.fits[2]' } } });
    expect(maxRel(byIndex.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
    expect(maxRel(byIndex.flux_f444w_njy, cleanFlux.f444w)).toBe(0);
  });

  it("explicit files without an HDU take the survey's files.sci.hdu / files.err.hdu (SCI / ERR)", async () => {
    const dir = freshDir();
    await mef(dir);
    const s = surveyJson() as { files: Record<string, Record<string, unknown>> };
    s.files.sci.hdu = 'SCI';
    s.files.err.hdu = 'ERR';
    writeFileSync(join(dir, 'survey-hdu.json'), JSON.stringify(s));
    // the demo's own files carry EXTNAME SCI / ERR in their primary HDU, so both bands resolve
    const got = await images(dir, { survey: 'survey-hdu.json', files: { f444w: { sci: 'f444w_mef.fits', err: 'f444w_mef.fits' } } });
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
  });

  it('sci and err resolving to the same file and HDU is an error naming band, file and HDU', async () => {
    const dir = freshDir();
    await mef(dir);
    const e = await rejects(images(dir, { files: { f444w: { sci: 'f444w_mef.fits', err: 'f444w_mef.fits' } } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/source\.files\.f444w\.err: band f444w: science and error planes are both .*f444w_mef\.fits\[1 'SCI'\]/);
  });

  it("an EXTNAME the file lacks names the file and its HDUs", async () => {
    const dir = freshDir();
    await mef(dir);
    const e = await rejects(images(dir, { files: { f444w: { sci: 'f444w_mef.fits[SCI]', err: 'f444w_mef.fits[WHT]' } } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/source\.files\.f444w\.err: band f444w: .*f444w_mef\.fits has no HDU with EXTNAME 'WHT' \(HDUs: 0 \(PRIMARY\), 1 'SCI' \(IMAGE\), 2 'ERR' \(IMAGE\)\)/);
  });

  it('an HDU index past the end names the file; a files entry for a band the survey lacks names the key', async () => {
    const dir = freshDir();
    await mef(dir);
    const e = await rejects(images(dir, { files: { f444w: { sci: 'f444w_mef.fits[SCI]', err: 'f444w_mef.fits[5]' } } }));
    expect(e).toBeInstanceOf(FitsFormatError);
    expect(e.message).toMatch(/f444w_mef\.fits: HDU 5 requested but the file has 3 HDUs \(0-2\)/);
    const e2 = await rejects(images(dir, { files: { f115x: { sci: 'f444w_mef.fits[SCI]' } } }));
    expect(e2.message).toMatch(/source\.files\.f115x: band 'f115x' is not in survey 'jades-mock'/);
    const e3 = await rejects(images(dir, { files: { f444w: { sci: 'f444w_mef.fits[SCI;1]' } } }));
    expect(e3.message).toMatch(/source\.files\.f444w\.sci: 'f444w_mef\.fits\[SCI;1\]': the HDU in brackets must be a 0-based index/);
  });

  it("two HDUs with one EXTNAME (chips SCI,1 and SCI,2) are an error unless EXTVER picks one: 'file[SCI,2]'", async () => {
    const dir = freshDir();
    const { sci, err } = clean.f444w;
    const half = (d: Float32Array, k: number) => d.map((v) => v * k);
    await writeFitsExtensions(join(dir, 'chips.fits'), [
      { width: W, height: H, data: half(sci.data as Float32Array, 0.5), extname: 'SCI', header: cards(sci, { EXTVER: 1 }) },
      { width: W, height: H, data: sci.data as Float32Array, extname: 'SCI', header: cards(sci, { EXTVER: 2 }) },
      { width: W, height: H, data: err.data as Float32Array, extname: 'ERR', header: cards(err, { EXTVER: 2 }) },
    ]);
    const e = await rejects(images(dir, { files: { f444w: { sci: 'chips.fits[SCI]', err: 'chips.fits[ERR]' } } }));
    expect(e.message).toMatch(/source\.files\.f444w\.sci: band f444w: .*chips\.fits has 2 HDUs with EXTNAME 'SCI' \(1, EXTVER 1; 2, EXTVER 2\)/);
    const got = await images(dir, { files: { f444w: { sci: 'chips.fits[SCI,2]', err: { file: 'chips.fits', hdu: 'ERR,2' } } } });
    expect(maxRel(got.flux_f444w_njy, cleanFlux.f444w)).toBe(0);
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
  });

  it('err in nJy beside a MJy/sr science image: each plane converted with its own BUNIT', async () => {
    const dir = freshDir();
    const { sci } = clean.f444w;
    const f = OMEGA * 1e15; // 1 MJy/sr × Ω[sr] × 1e15 = nJy
    await write(join(dir, 'f444w_sci.fits'), { data: (sci.data as Float32Array).map((v) => v / f), header: cards(sci, { BUNIT: 'MJy/sr' }) });
    const logs: string[] = [];
    const got = await images(dir, {}, logs);
    expect(maxRel(got.flux_f444w_njy, cleanFlux.f444w)).toBeLessThan(1e-6);
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBeLessThan(1e-6);
    expect(logs.join('\n')).toMatch(/band f444w: err .*f444w_err\.fits\[0 'ERR'\] ERR \[nJy, from BUNIT 'nJy'\]/);
  });

  it('err in µJy and err in MJy/sr (own BUNIT) give the clean nJy σ to 1e-6', async () => {
    const dir = freshDir();
    const e277 = clean.f277w.err;
    const e444 = clean.f444w.err;
    await write(join(dir, 'f277w_err.fits'), { data: (e277.data as Float32Array).map((v) => v / 1e3), header: cards(e277, { BUNIT: 'uJy' }) });
    await write(join(dir, 'f444w_err.fits'), { data: (e444.data as Float32Array).map((v) => v / (OMEGA * 1e15)), header: cards(e444, { BUNIT: 'MJy/sr' }) });
    const got = await images(dir);
    expect(maxRel(got.flux_f277w_err_njy, cleanSigma.f277w)).toBeLessThan(1e-6);
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBeLessThan(1e-6);
  });

  it('err in MJy/sr without any WCS card: converted with the science plane\'s pixel area (fluxConversion scienceHeader)', async () => {
    const dir = freshDir();
    const e444 = clean.f444w.err;
    const wcsCards = Object.keys(e444.header.toRecord()).filter((k) => /^(CTYPE|CRVAL|CRPIX|CD\d_\d|PC\d_\d|CDELT|CUNIT|PIXAR_SR)/.test(k));
    expect(wcsCards).toContain('CD1_1');
    await write(join(dir, 'f444w_err.fits'), { data: (e444.data as Float32Array).map((v) => v / (OMEGA * 1e15)), header: cards(e444, { BUNIT: 'MJy/sr' }, wcsCards) });
    const logs: string[] = [];
    const got = await images(dir, {}, logs);
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBeLessThan(1e-6);
    expect(logs.join('\n')).toMatch(/band f444w: err .*WCS \|det CD\| of the science header .*f444w_sci\.fits/);
  });

  it('err with no BUNIT falls back to the survey fluxUnit, else to the science unit, and the log says which', async () => {
    const dir = freshDir();
    const e444 = clean.f444w.err;
    await write(join(dir, 'f444w_err.fits'), { data: e444.data as Float32Array, header: cards(e444, {}, ['BUNIT']) });
    const logs: string[] = [];
    const got = await images(dir, {}, logs);
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBe(0);
    expect(logs.join('\n')).toMatch(/band f444w: err .*f444w_err\.fits.* \[nJy, from survey fluxUnit \(.*has no BUNIT\)\]/);
    // no survey fluxUnit: the science plane's unit (here MJy/sr), said so
    const s = surveyJson();
    delete s.fluxUnit;
    writeFileSync(join(dir, 'survey-nounit.json'), JSON.stringify(s));
    const f = OMEGA * 1e15;
    const { sci } = clean.f444w;
    await write(join(dir, 'f444w_sci.fits'), { data: (sci.data as Float32Array).map((v) => v / f), header: cards(sci, { BUNIT: 'MJy/sr' }) });
    await write(join(dir, 'f444w_err.fits'), { data: (e444.data as Float32Array).map((v) => v / f), header: cards(e444, {}, ['BUNIT']) });
    const logs2: string[] = [];
    const got2 = await images(dir, { survey: 'survey-nounit.json' }, logs2);
    expect(maxRel(got2.flux_f444w_err_njy, cleanSigma.f444w)).toBeLessThan(1e-6);
    expect(logs2.join('\n')).toMatch(/band f444w: err .* \[MJy\/sr, from the science plane's unit/);
  });

  it('errorKind per band: a variance plane for f444w only, with BUNIT (nJy)^2', async () => {
    const dir = freshDir();
    const e444 = clean.f444w.err;
    await write(join(dir, 'f444w_var.fits'), { data: (e444.data as Float32Array).map((v) => v * v), header: cards(e444, { BUNIT: '(nJy)^2', EXTNAME: 'VAR' }) });
    const got = await images(dir, { files: { f444w: { sci: 'f444w_sci.fits', err: 'f444w_var.fits', errorKind: 'VAR' } } });
    expect(maxRel(got.flux_f444w_err_njy, cleanSigma.f444w)).toBeLessThan(1e-6);
    expect(maxRel(got.flux_f277w_err_njy, cleanSigma.f277w)).toBe(0); // f277w stays a σ plane
  });

  it('an error plane identical to the science plane is an error naming the file and key', async () => {
    const dir = freshDir();
    copyFileSync(join(DEMO, 'f444w_sci.fits'), join(dir, 'f444w_err.fits'));
    const e = await rejects(images(dir));
    expect(e).toBeInstanceOf(DataFileError);
    expect(e.message).toMatch(/f444w_err\.fits \(survey\.files\.err\): the error plane of band f444w .* is identical to its science plane/);
  });

  it('…also in a gzip error file, caught on the first streamed tile with data (no cheap read-ahead there)', async () => {
    const dir = freshDir();
    const { sci } = clean.f444w;
    await writeFitsImage(join(dir, 'f444w_copy.fits.gz'), { width: W, height: H, data: sci.data as Float32Array, header: cards(sci) });
    const e = await rejects(images(dir, { files: { f444w: { sci: 'f444w_sci.fits', err: 'f444w_copy.fits.gz' } } }));
    expect(e).toBeInstanceOf(DataFileError);
    expect(e.message).toMatch(/f444w_copy\.fits\.gz \(source\.files\.f444w\.err\): .* is identical to its science plane .* over the tile x 0-255, y 0-63/);
  });

  it('a weight plane with w = 0 gives σ = +Inf there (an invalid σ), never a tiny σ', async () => {
    const dir = freshDir();
    const e444 = clean.f444w.err;
    const w = (e444.data as Float32Array).map((v) => 1 / (v * v));
    for (let y = 0; y < 40; y++) for (let x = 0; x < W; x++) w[y * W + x] = 0; // outside coverage
    await write(join(dir, 'f444w_wht.fits'), { data: w, header: cards(e444, { EXTNAME: 'WHT', BUNIT: 'UNITLESS' }) });
    const logs: string[] = [];
    const got = await images(dir, { files: { f444w: { sci: 'f444w_sci.fits', err: 'f444w_wht.fits', errorKind: 'WHT' } } }, logs);
    const s = got.flux_f444w_err_njy;
    for (let i = 0; i < 40 * W; i++) expect(s[i]).toBe(Infinity);
    expect(maxRel(s.subarray(40 * W), cleanSigma.f444w.subarray(40 * W))).toBeLessThan(1e-6);
    expect(logs.join('\n')).toMatch(/f444w_wht\.fits.* WHT \[nJy, from survey fluxUnit \(.*BUNIT 'UNITLESS', not a flux unit\)\]/);
  });

  it.each([16, 32] as const)('BLANK in a BITPIX %i science image comes out as NaN; other values exact', async (bitpix) => {
    const dir = freshDir();
    const { sci } = clean.f444w;
    const stored = Float64Array.from(sci.data as Float32Array, (v) => Math.round(v * 10));
    const blank = bitpix === 16 ? -32768 : -2147483648;
    for (let x = 100; x < 110; x++) stored[130 * W + x] = NaN;
    await write(join(dir, 'f444w_sci.fits'), { data: stored, bitpix, blank, header: cards(sci) });
    const got = await images(dir);
    const f = got.flux_f444w_njy;
    let blanks = 0;
    for (let i = 0; i < W * H; i++) {
      if (Number.isNaN(stored[i])) {
        expect(f[i]).toBeNaN();
        blanks++;
      } else expect(f[i]).toBe(stored[i] + 0); // + 0: Math.round(−0.3) is −0, stored as integer 0
    }
    expect(blanks).toBe(10);
  });
});

describe('mosaic source faults: segmentation', () => {
  const badSeg = async (value: number, x: number, y: number, opts: { bitpix?: 32; blank?: number } = {}) => {
    const dir = freshDir();
    const d = Float64Array.from(seg.data as Float32Array);
    d[y * W + x] = value;
    await write(join(dir, 'segmentation.fits'), { data: opts.bitpix ? d : Float32Array.from(d), bitpix: opts.bitpix, blank: opts.blank, header: cards(seg) });
    return rejects(images(dir));
  };

  it('a float id 1.5 is an error naming the file and the pixel (x, y, value)', async () => {
    const e = await badSeg(1.5, 72, 74);
    expect(e).toBeInstanceOf(DataFileError);
    expect(e.message).toMatch(/segmentation\.fits \(source\.segmentation\): pixel \(x, y\) = \(72, 74\) holds 1\.5, not an integer/);
  });

  it('a negative id −3 is an error', async () => {
    const e = await badSeg(-3, 5, 6);
    expect(e.message).toMatch(/segmentation\.fits \(source\.segmentation\): pixel \(x, y\) = \(5, 6\) holds -3, a negative id/);
  });

  it('a NaN id is an error (float NaN and integer BLANK)', async () => {
    expect((await badSeg(NaN, 200, 3)).message).toMatch(/segmentation\.fits \(source\.segmentation\): pixel \(x, y\) = \(200, 3\) holds NaN/);
    expect((await badSeg(NaN, 9, 250, { bitpix: 32, blank: -1 })).message).toMatch(/pixel \(x, y\) = \(9, 250\) holds NaN \(BLANK\).*BITPIX 32/);
  });

  it('an integer (BITPIX 32) segmentation map gives the same galaxy ids as the float one', async () => {
    const dir = freshDir();
    await write(join(dir, 'segmentation.fits'), { data: Float64Array.from(seg.data as Float32Array), bitpix: 32, header: cards(seg) });
    const got = await images(dir);
    expect(maxRel(got.galaxy_id, seg.data)).toBe(0);
  });
});

describe('mosaic source faults: pixel grids (tolerance in pixels)', () => {
  const shifted = async (px: number) => {
    const dir = freshDir();
    const { sci } = clean.f444w;
    const crval1 = sci.header.getNumber('CRVAL1')!;
    const dec = sci.header.getNumber('CRVAL2')!;
    const cd = Math.abs(sci.header.getNumber('CD1_1')!);
    // a shift of px pixels along x at the tangent point: ΔRA = px × |CD1_1| / cos δ
    await write(join(dir, 'f444w_sci.fits'), { data: sci.data as Float32Array, header: cards(sci, { CRVAL1: crval1 + (px * cd) / Math.cos((dec * Math.PI) / 180) }) });
    return dir;
  };

  it('CRVAL shifted by 4 px is an error reporting ≈ 4 px for that file', async () => {
    const e = await rejects(images(await shifted(4)));
    expect(e).toBeInstanceOf(GridMismatchError);
    const m = /f444w_sci\.fits \(f444w sci\): off the reference grid by ([\d.]+) px/.exec(e.message);
    expect(m, e.message).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(4, 2);
  });

  it('CRVAL shifted by 0.001 px passes the default 0.01 px; gridTolerancePx 0.0005 refuses it', async () => {
    const dir = await shifted(0.001);
    await expect(images(dir)).resolves.toBeDefined();
    const e = await rejects(images(dir, { gridTolerancePx: 0.0005 }));
    expect(e.message).toMatch(/f444w_sci\.fits \(f444w sci\): off the reference grid by 0\.00100\d px .*tolerance 0\.0005 px/);
  });
});

describe('mosaic source faults: FITS structure', () => {
  it('a BITPIX 16 header over float32 data is an error naming the file and BITPIX', async () => {
    const dir = freshDir();
    const path = join(dir, 'f444w_sci.fits');
    const bytes = readFileSync(path);
    const at = bytes.indexOf('BITPIX  =');
    bytes.write('BITPIX  =                   16 / array data type'.padEnd(80), at, 'latin1');
    writeFileSync(path, bytes);
    const e = await rejects(images(dir));
    expect(e).toBeInstanceOf(FitsFormatError);
    expect(e.message).toMatch(/f444w_sci\.fits \[BITPIX\]: HDU 0: BITPIX 16 × NAXIS 256x256 declares a data unit of 131072 bytes.*fit \|BITPIX\| = 32/);
  });

  it('a tile-compressed (ZIMAGE) file says so and names funpack', async () => {
    const dir = freshDir();
    const path = join(dir, 'f444w_sci.fits');
    const primary = formatHeader([['SIMPLE', true], ['BITPIX', 8], ['NAXIS', 0], ['EXTEND', true]], path);
    const table = formatHeader(
      [
        ['XTENSION', 'BINTABLE'], ['BITPIX', 8], ['NAXIS', 2], ['NAXIS1', 8], ['NAXIS2', 1], ['PCOUNT', 0], ['GCOUNT', 1], ['TFIELDS', 1],
        ['TTYPE1', 'COMPRESSED_DATA'], ['TFORM1', '1PB(0)'], ['ZIMAGE', true], ['ZBITPIX', -32], ['ZNAXIS', 2], ['ZNAXIS1', W], ['ZNAXIS2', H], ['ZCMPTYPE', 'RICE_1'],
      ],
      path,
    );
    writeFileSync(path, Buffer.concat([primary, table, Buffer.alloc(2880)]));
    const e = await rejects(images(dir));
    expect(e).toBeInstanceOf(FitsFormatError);
    expect(e.message).toContain(`tile-compressed (ZIMAGE) images are not supported; decompress with funpack: ${path}`);
  });

  it('a survey JSON with a syntax error names the file', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'survey.json'), readFileSync(join(DEMO, 'survey.json'), 'utf8').replace('"name"', 'name'));
    const e = await rejects(images(dir));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/Invalid survey file in .*survey\.json:\n {2}- source\.survey: cannot parse survey JSON: /);
  });

  it('a survey YAML with a syntax error names the file', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'survey.yaml'), 'name: [unclosed\nbands: {');
    const e = await rejects(images(dir, { survey: 'survey.yaml' }));
    expect(e.message).toMatch(/survey\.yaml:\n {2}- source\.survey: cannot parse survey YAML: /);
  });
});

describe('mosaic source faults: catalogue', () => {
  const withCatalog = async (text: string) => {
    const dir = freshDir();
    writeFileSync(join(dir, 'catalog.csv'), text);
    return images(dir);
  };
  const demoRows = () => readFileSync(join(DEMO, 'catalog.csv'), 'utf8').trim().split('\n');

  it('a duplicate id names the file, row and id', async () => {
    const rows = demoRows();
    const e = await rejects(withCatalog([...rows, rows[2]].join('\n')));
    expect(e).toBeInstanceOf(DataFileError);
    expect(e.message).toMatch(/catalog\.csv \(id \(row 6\)\): duplicate id 2 \(first in row 2\)/);
  });

  it("z = 'abc' is an error (not silently 'no redshift')", async () => {
    const rows = demoRows();
    rows[3] = rows[3].replace(/,[^,]*$/, ',abc');
    const e = await rejects(withCatalog(rows.join('\n')));
    expect(e.message).toMatch(/catalog\.csv \(z \(row 3\)\): expected a redshift ≥ 0 or an empty cell, got 'abc' \(id 3\)/);
  });

  it('z = −0.5 is an error naming row and id', async () => {
    const rows = demoRows();
    rows[1] = rows[1].replace(/,[^,]*$/, ',-0.5');
    const e = await rejects(withCatalog(rows.join('\n')));
    expect(e.message).toMatch(/catalog\.csv \(z \(row 1\)\): expected a redshift ≥ 0 or an empty cell, got '-0\.5' \(id 1\)/);
  });

  it('an empty z means no redshift: NO_REDSHIFT on that galaxy only', async () => {
    const rows = demoRows();
    rows[1] = rows[1].replace(/,[^,]*$/, ',');
    const got = await withCatalog(rows.join('\n'));
    let g1 = 0;
    for (let i = 0; i < W * H; i++) {
      if (got.galaxy_id[i] === 1) {
        g1++;
        expect(got.flags[i] & FLAG.NO_REDSHIFT).toBeTruthy();
        expect(got.z[i]).toBeNaN();
      } else if (got.galaxy_id[i] > 0) expect(got.flags[i] & FLAG.NO_REDSHIFT).toBe(0);
    }
    expect(g1).toBeGreaterThan(0);
  });

  it('a quoted field holding a comma is one cell: z stays in its column', async () => {
    const rows = demoRows();
    const text = ['id,name,ra,dec,z', ...rows.slice(1).map((r, i) => {
      const [id, ra, dec, z] = r.split(',');
      return `${id},"galaxy ${i}, the ""clumpy"" one",${ra},${dec},${z}`;
    })].join('\n');
    const got = await withCatalog(text);
    const zOf = new Map(rows.slice(1).map((r) => [Number(r.split(',')[0]), Math.fround(Number(r.split(',')[3]))]));
    let n = 0;
    for (let i = 0; i < W * H; i++) {
      const id = got.galaxy_id[i];
      if (id > 0) {
        expect(got.z[i]).toBe(zOf.get(id));
        n++;
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('Parquet: the same checks (duplicate column, negative z) and a clean file joins as the CSV does', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const rows = demoRows().slice(1).map((r) => r.split(',').map(Number));
    const dir = freshDir();
    const pq = (name: string, cols: { name: string; data: number[] }[]) => {
      writeFileSync(join(dir, name), Buffer.from(parquetWriteBuffer({ columnData: cols.map((c) => ({ ...c, type: 'DOUBLE' as const })) })));
      return name;
    };
    const id = { name: 'id', data: rows.map((r) => r[0]) };
    const z = { name: 'z', data: rows.map((r) => r[3]) };
    const good = await images(dir, { catalog: pq('good.parquet', [id, z]) });
    const viaCsv = await images(dir);
    expect(maxRel(good.z, viaCsv.z)).toBe(0);
    const e1 = await rejects(images(dir, { catalog: pq('dup.parquet', [id, z, { name: 'Z', data: z.data }]) }));
    expect(e1.message).toMatch(/dup\.parquet \(z\): duplicate column name 'z' \(columns 2 and 3\)/);
    const e2 = await rejects(images(dir, { catalog: pq('neg.parquet', [id, { name: 'z', data: z.data.map((v, i) => (i === 2 ? -0.5 : v)) }]) }));
    expect(e2.message).toMatch(/neg\.parquet \(z \(row 3\)\): expected a redshift ≥ 0 or an empty cell, got '-0\.5' \(id 3\)/);
  });

  it('a duplicate column name is an error', async () => {
    const rows = demoRows();
    const e = await rejects(withCatalog([`${rows[0]},z`, ...rows.slice(1).map((r) => `${r},0.1`)].join('\n')));
    expect(e.message).toMatch(/catalog\.csv \(z\): duplicate column name 'z' \(columns 4 and 5\)/);
  });
});
