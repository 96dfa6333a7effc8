import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, column, FLAG, FlagRegistry, minimalStreamInfo, RunStats, STANDARD_FLAGS, stripGeometry, stripMetadata, type RecordBatch, type StageContext, type StreamInfo } from '@pixsed/core';
import { convolveImage } from '../convolve-image.js';
import { gaussianPsf } from '../gaussian-psf.js';
import { varianceKernel } from '../variance-kernel.js';
import { createPsfStage, MISSING_BANDS_COLUMN, psfStageSchema } from './psf-stage.js';

const W = 40;
const H = 50;
const ctx = (): StageContext => {
  const flags = new FlagRegistry();
  STANDARD_FLAGS.forEach((f) => flags.register(f));
  return { stageName: 'psf', pipelineDir: '.', outDir: '.', flags, stats: new RunStats(), signal: new AbortController().signal, log: () => undefined, stream: minimalStreamInfo('test', []) } as StageContext;
};
const img = (seed: number) => Float32Array.from({ length: W * H }, (_, i) => Math.abs(Math.sin(i * 0.37 + seed)) * 100 + (i % 7));
const wcs = { CD1_1: -0.03 / 3600, CD1_2: 0, CD2_1: 0, CD2_2: 0.03 / 3600 };
/** The StreamInfo a mosaic source would give for these strips (bands f150w, f444w, the WCS; optionally a survey). */
const info = (survey?: StreamInfo['survey']): StreamInfo => ({ ...minimalStreamInfo('source:test', ['f150w', 'f444w']), wcs, ...(survey ? { survey } : {}) });
/** The stage's kernel, created from the StreamInfo (as runPipeline does). */
const stageKernel = async (config: Parameters<typeof createPsfStage>[0], stream: StreamInfo = info()) => (await createPsfStage(config, stream, '.', () => undefined)).kernel;

/**
 * Strips of `rows` core rows with `halo` halo rows, as the mosaic source makes them; with `cols`,
 * tiles `cols` core columns wide with `halo` halo columns left and right.
 */
function strips(flux: Float32Array, err: Float32Array, rows: number, halo: number, cols = W, target = { flux, err }, meta: Record<string, string> = {}): RecordBatch[] {
  const out: RecordBatch[] = [];
  const rect = (a: Float32Array, x0: number, x1: number, y0: number, y1: number) => {
    const r = new Float32Array((x1 - x0) * (y1 - y0));
    for (let y = y0; y < y1; y++) r.set(a.subarray(y * W + x0, y * W + x1), (y - y0) * (x1 - x0));
    return r;
  };
  for (let c0 = 0; c0 < H; c0 += rows) {
    for (let t0 = 0; t0 < W; t0 += cols) {
      const c1 = Math.min(H, c0 + rows);
      const y0 = Math.max(0, c0 - halo);
      const y1 = Math.min(H, c1 + halo);
      const t1 = Math.min(W, t0 + cols);
      const x0 = cols === W ? 0 : Math.max(0, t0 - halo);
      const x1 = cols === W ? W : Math.min(W, t1 + halo);
      const w = x1 - x0;
      const n = w * (y1 - y0);
      out.push(
        batchFromColumns(
          {
            x: Int32Array.from({ length: n }, (_, i) => x0 + (i % w)),
            y: Int32Array.from({ length: n }, (_, i) => y0 + Math.floor(i / w)),
            flux_f150w_njy: rect(flux, x0, x1, y0, y1),
            flux_f150w_err_njy: rect(err, x0, x1, y0, y1),
            flux_f444w_njy: rect(target.flux, x0, x1, y0, y1),
            flux_f444w_err_njy: rect(target.err, x0, x1, y0, y1),
            flags: new Uint32Array(n),
          },
          {
            ...stripMetadata({ x0, y0, width: w, height: y1 - y0, haloTop: c0 - y0, haloBottom: y1 - c1, haloLeft: t0 - x0, haloRight: x1 - t1, mosaicWidth: W, mosaicHeight: H }),
            ...meta,
          },
        ),
      );
    }
  }
  return out;
}

describe('psf stage', () => {
  const cfg = psfStageSchema.parse({ targetBand: 'f444w', psfs: { f150w: { fwhmArcsec: 0.05 }, f444w: { fwhmArcsec: 0.145 } }, cacheDir: mkdtempSync(join(tmpdir(), 'pixsed-k-')) });
  // analytic kernel: σ_k² = σ_t² − σ_s² in pixels
  const s = (f: number) => f / 0.03 / (2 * Math.sqrt(2 * Math.LN2));
  const sigmaK = Math.sqrt(s(0.145) ** 2 - s(0.05) ** 2);
  const K = gaussianPsf({ size: 2 * Math.ceil(5 * sigmaK) + 1, sigma: sigmaK });

  it('strip-wise output equals whole-image convolution (flux ⊛ K, σ = sqrt(σ² ⊛ K²)); the target passes through', async () => {
    const flux = img(1);
    const err = Float32Array.from(img(2), (v) => 1 + v / 100);
    const wholeFlux = convolveImage(flux, W, H, K);
    const wholeVar = convolveImage(Float32Array.from(err, (e) => e * e), W, H, varianceKernel(K));
    // full-width strips of 7, 16 and 50 rows; tiles of 16 rows × 13 and 27 columns (edge tiles narrower)
    for (const [rows, cols] of [[7, W], [16, W], [50, W], [16, 13], [16, 27]]) {
      const kernel = await stageKernel(cfg);
      const out: RecordBatch[] = [];
      for (const b of strips(flux, err, rows, 12, cols)) out.push(await kernel(b, ctx()));
      let maxRel = 0;
      let maxErrRel = 0;
      let covered = 0;
      for (const b of out) {
        const g = stripGeometry(b, 'test');
        expect(g.haloTop + g.haloBottom + g.haloLeft + g.haloRight).toBe(0);
        expect(b.numRows).toBe(g.width * g.height);
        const f = column(b, 'flux_f150w_njy');
        const e = column(b, 'flux_f150w_err_njy');
        const t = column(b, 'flux_f444w_njy');
        const x = column(b, 'x');
        const y = column(b, 'y');
        for (let i = 0; i < b.numRows; i++) {
          const k = (g.y0 + Math.floor(i / g.width)) * W + g.x0 + (i % g.width);
          expect(y[i] * W + x[i]).toBe(k);
          maxRel = Math.max(maxRel, Math.abs(f[i] - wholeFlux[k]) / Math.abs(wholeFlux[k]));
          maxErrRel = Math.max(maxErrRel, Math.abs(e[i] - Math.sqrt(wholeVar[k])) / Math.sqrt(wholeVar[k]));
          expect(t[i]).toBe(flux[k]);
        }
        covered += b.numRows;
      }
      expect(covered).toBe(W * H);
      expect(maxRel).toBeLessThan(1e-5);
      expect(maxErrRel).toBeLessThan(1e-5);
    }
  });

  it('flags pixels whose kernel footprint touched NaN input', async () => {
    const flux = img(3);
    flux[25 * W + 20] = NaN;
    const kernel = await stageKernel(cfg);
    const masked = 1 << STANDARD_FLAGS.find((f) => f.name === 'PSF_MASKED')!.bit;
    let flagged = 0;
    for (const b of strips(flux, new Float32Array(W * H).fill(1), 25, 12)) {
      const out = await kernel(b, ctx());
      for (const f of column(out, 'flags')) if (f & masked) flagged++;
    }
    const r = (K.width - 1) / 2;
    expect(flagged).toBe((2 * r + 1) ** 2);
  });

  it('refuses strips with too little halo, naming source.haloRows', async () => {
    const kernel = await stageKernel(cfg);
    const b = strips(img(1), new Float32Array(W * H).fill(1), 10, 2)[1];
    await expect(kernel(b, ctx())).rejects.toThrow(/set source\.haloRows ≥ \d+/);
    // tiles: too few halo columns is refused the same way (the middle tile of a row has both sides)
    const t = strips(img(1), new Float32Array(W * H).fill(1), 50, 2, 13)[1];
    await expect((await stageKernel(cfg))(t, ctx())).rejects.toThrow(/left 2, right 2: set source\.haloRows ≥ \d+/);
  });

  it('refuses a source PSF broader than the target', async () => {
    const bad = psfStageSchema.parse({ ...cfg, psfs: { f150w: { fwhmArcsec: 0.3 }, f444w: { fwhmArcsec: 0.145 } } });
    // refused in create(), before any batch
    await expect(stageKernel(bad)).rejects.toThrow(/broader than the target f444w; matching would deconvolve/);
    const listedStage = await createPsfStage(psfStageSchema.parse({ ...bad, passThroughBands: ['f150w'] }), info(), '.', () => undefined);
    const b = strips(img(1), img(2), 50, 12)[0];
    const out = await listedStage.kernel(b, ctx());
    expect(Array.from(column(out, 'flux_f150w_njy'))).toEqual(Array.from(column(b, 'flux_f150w_njy')));
    expect(listedStage.info?.psf?.passThroughBands).toEqual(['f150w']);
  });

  it('marks a band missing per pixel: footprint rule in a matched band, the pixel itself in the target band', async () => {
    const flux = img(4);
    const err = new Float32Array(W * H).fill(1);
    const tFlux = img(5);
    const tErr = new Float32Array(W * H).fill(2);
    flux[10 * W + 10] = NaN; // f150w (matched): a (2r+1)² footprint
    tErr[30 * W + 30] = 0; // f444w (target, not convolved): that pixel only
    tFlux[40 * W + 5] = Infinity;
    const kernel = await stageKernel(cfg);
    const r = (K.width - 1) / 2;
    const seen = { f150w: 0, f444w: 0 };
    for (const b of strips(flux, err, 16, 12, 13, { flux: tFlux, err: tErr })) {
      const out = await kernel(b, ctx());
      const mb = column(out, MISSING_BANDS_COLUMN);
      const fl = column(out, 'flags');
      const x = column(out, 'x');
      const y = column(out, 'y');
      const f150 = column(out, 'flux_f150w_njy');
      const f444 = column(out, 'flux_f444w_njy');
      const e444 = column(out, 'flux_f444w_err_njy');
      expect(out.schema.fields.find((f) => f.name === MISSING_BANDS_COLUMN)!.metadata.get('bands')).toBe('f150w,f444w');
      for (let i = 0; i < out.numRows; i++) {
        const in150 = Math.abs(x[i] - 10) <= r && Math.abs(y[i] - 10) <= r;
        const in444 = (x[i] === 30 && y[i] === 30) || (x[i] === 5 && y[i] === 40);
        expect(mb[i]).toBe((in150 ? 1 : 0) | (in444 ? 2 : 0));
        expect(Boolean(fl[i] & FLAG.MISSING_BAND)).toBe(in150 || in444);
        expect(Boolean(fl[i] & FLAG.PSF_MASKED)).toBe(in150);
        expect(Number.isNaN(f150[i])).toBe(in150);
        if (in444) {
          expect(f444[i]).toBeNaN();
          expect(e444[i]).toBeNaN();
        } else expect(f444[i]).toBe(tFlux[y[i] * W + x[i]]);
        if (in150) seen.f150w++;
        if (in444) seen.f444w++;
      }
    }
    expect(seen).toEqual({ f150w: (2 * r + 1) ** 2, f444w: 2 });
  });

  it("takes the target band from the survey definition when targetBand is not set; explicit config wins", async () => {
    const noTarget = psfStageSchema.parse({ ...cfg, targetBand: undefined });
    const survey = (t: string) => info({ name: 'mock', targetPsfBand: t });
    const b = strips(img(1), img(2), 50, 12, W)[0];
    const fromSurveyStage = await createPsfStage(noTarget, survey('f444w'), '.', () => undefined);
    const fromSurvey = await fromSurveyStage.kernel(b, ctx());
    expect(fromSurveyStage.info?.psf?.targetBand).toBe('f444w');
    const explicit = await (await stageKernel(cfg, survey('f444w')))(b, ctx());
    expect(Array.from(column(fromSurvey, 'flux_f150w_njy'))).toEqual(Array.from(column(explicit, 'flux_f150w_njy')));
    // the survey's f150w target would deconvolve f444w: the error proves the survey value was used (in create(), before any batch)
    await expect(createPsfStage(noTarget, survey('f150w'), '.', () => undefined)).rejects.toThrow(/band f444w .* is broader than the target f150w/);
    // explicit targetBand wins over the survey's
    expect((await createPsfStage(cfg, survey('f150w'), '.', () => undefined)).info?.psf?.targetBand).toBe('f444w');
    await expect(createPsfStage(noTarget, info(), '.', () => undefined)).rejects.toThrow(/psf\.targetBand: not set and the stream carries no survey definition/);
    await expect(createPsfStage(noTarget, survey('f200w'), '.', () => undefined)).rejects.toThrow(/psf\.targetBand \(default: targetPsfBand of survey 'mock'\): 'f200w' is not among the data bands/);
  });

  it('extends the StreamInfo for downstream stages: target band, pass-through bands, kernel-cache keys, the missing_bands column', async () => {
    const stage = await createPsfStage(cfg, info(), '.', () => undefined);
    expect(stage.info?.psf?.targetBand).toBe('f444w');
    expect(stage.info?.psf?.passThroughBands).toEqual([]);
    expect(Object.keys(stage.info!.psf!.kernelCacheKeys)).toEqual(['f150w']);
    expect(stage.info!.psf!.kernelCacheKeys.f150w).toMatch(/^[0-9a-f]{24}$/);
    expect(stage.provenance?.['kernel:f150w']).toBe(stage.info!.psf!.kernelCacheKeys.f150w);
    expect(stage.info?.columns.map((c) => c.name)).toEqual(['missing_bands']);
    // the input StreamInfo is not changed
    expect(info().psf).toBeUndefined();
  });

  it('checks the halo against the StreamInfo in create(): a mosaic with several strips and haloRows below the kernel radius fails before any batch', async () => {
    const r = (K.width - 1) / 2;
    const mosaic = (haloRows: number) => ({ ...info(), mosaic: { width: W, height: H, stripRows: 16, tileColumns: W, haloRows } });
    await expect(createPsfStage(cfg, mosaic(0), '.', () => undefined)).rejects.toThrow(new RegExp(`needs ${r} halo rows/columns but the source gives haloRows 0: set source\\.haloRows ≥ ${r}`));
    await expect(createPsfStage(cfg, mosaic(r), '.', () => undefined)).resolves.toBeDefined();
    // one strip, one tile: no halo needed
    await expect(createPsfStage(cfg, { ...info(), mosaic: { width: W, height: H, stripRows: H, tileColumns: W, haloRows: 0 } }, '.', () => undefined)).resolves.toBeDefined();
  });

  it('a torn kernel-cache file (a killed run) is detected and rebuilt, not trusted', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pixsed-k-torn-'));
    const c = psfStageSchema.parse({ ...cfg, cacheDir });
    const first = await createPsfStage(c, info(), '.', () => undefined);
    const file = join(cacheDir, `${first.info!.psf!.kernelCacheKeys.f150w}.json`);
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, whole.slice(0, 200));
    const log: string[] = [];
    const again = await createPsfStage(c, info(), '.', (m) => log.push(m));
    expect(log.join('\n')).toMatch(/kernel cache .* is not a valid entry .*rebuilding it/);
    expect(readFileSync(file, 'utf8')).toBe(whole);
    const b = strips(img(1), img(2), 50, 12)[0];
    expect(Array.from(column(await again.kernel(b, ctx()), 'flux_f150w_njy'))).toEqual(Array.from(column(await first.kernel(b, ctx()), 'flux_f150w_njy')));
  });
  it("with segmentPixelsOnly (snr-mask next) matches windows around segment pixels only: the same values there, NaN elsewhere, footprint flags kept", async () => {
    // a 160 × 100 image, one tile: core rows 20–59 and columns 30–129 with 12 halo rows and columns
    const [W2, H2, y0, y1, x0, x1, halo] = [160, 100, 8, 72, 18, 142, 12];
    const flux = Float32Array.from({ length: W2 * H2 }, (_, i) => Math.abs(Math.sin(i * 0.37 + 1)) * 100 + (i % 7));
    const err = Float32Array.from({ length: W2 * H2 }, (_, i) => 1 + (i % 5) / 10);
    flux[40 * W2 + 125] = NaN; // an invalid input beside the second segment: its footprint pixels lose the band
    const gid = new Int32Array(W2 * H2);
    for (let y = 30; y < 34; y++) for (let x = 40; x < 45; x++) gid[y * W2 + x] = 7; // two small segments, far apart
    for (let y = 44; y < 50; y++) for (let x = 118; x < 122; x++) gid[y * W2 + x] = 9;
    const rect = (a: Float32Array | Int32Array) => {
      const r = new (a.constructor as Float32ArrayConstructor)((x1 - x0) * (y1 - y0));
      for (let y = y0; y < y1; y++) r.set(a.subarray(y * W2 + x0, y * W2 + x1), (y - y0) * (x1 - x0));
      return r;
    };
    const n = (x1 - x0) * (y1 - y0);
    const batch = batchFromColumns(
      {
        x: Int32Array.from({ length: n }, (_, i) => x0 + (i % (x1 - x0))),
        y: Int32Array.from({ length: n }, (_, i) => y0 + Math.floor(i / (x1 - x0))),
        flux_f150w_njy: rect(flux),
        flux_f150w_err_njy: rect(err), flux_f444w_njy: rect(flux),
        flux_f444w_err_njy: rect(err),
        galaxy_id: Int32Array.from(rect(gid)),
        flags: new Uint32Array(n),
      },
      stripMetadata({ x0, y0, width: x1 - x0, height: y1 - y0, haloTop: halo, haloBottom: halo, haloLeft: halo, haloRight: halo, mosaicWidth: W2, mosaicHeight: H2 }),
    );
    const logs: string[] = [];
    const windowed = await createPsfStage(cfg, info(), '.', (m) => logs.push(m), true);
    expect(logs.join('\n')).toMatch(/matching windows around segment pixels only/);
    expect(windowed.provenance?.pixels).toBe('segments');
    const whole = await createPsfStage(psfStageSchema.parse({ ...cfg, pixels: 'all' }), info(), '.', () => undefined, true);
    expect(whole.provenance?.pixels).toBe('all');
    const [a, b] = [await windowed.kernel(batch, ctx()), await whole.kernel(batch, ctx())];
    // the input's columns in their order, then missing_bands, either way
    for (const out of [a, b]) expect(out.schema.fields.map((f) => f.name)).toEqual([...batch.schema.fields.map((f) => f.name), MISSING_BANDS_COLUMN]);
    // the independent reference: whole-image convolution (float64 FFT), zeros for the invalid input
    const clean = Float32Array.from(flux, (v) => (Number.isFinite(v) ? v : 0));
    const refFlux = convolveImage(clean, W2, H2, K);
    const refVar = convolveImage(Float32Array.from(err, (e) => e * e), W2, H2, varianceKernel(K));
    const [fa, ea, fb, xa, ya, ga, flagsA, flagsB] = ['flux_f150w_njy', 'flux_f150w_err_njy', 'flux_f150w_njy', 'x', 'y', 'galaxy_id', 'flags', 'flags'].map((c, i) => column(i === 2 || i === 7 ? b : a, c));
    const masked = 1 << STANDARD_FLAGS.find((f) => f.name === 'PSF_MASKED')!.bit;
    const r = (K.width - 1) / 2;
    let segment = 0;
    let maskedSegment = 0;
    let nanOutside = 0;
    let maxRel = 0;
    expect(a.numRows).toBe(100 * 40);
    for (let i = 0; i < a.numRows; i++) {
      const k = ya[i] * W2 + xa[i];
      if (ga[i] > 0) {
        segment++;
        expect(flagsA[i] & masked).toBe(flagsB[i] & masked);
        const nearBad = Math.abs(ya[i] - 40) <= r && Math.abs(xa[i] - 125) <= r;
        expect(!!(flagsA[i] & masked)).toBe(nearBad);
        if (nearBad) {
          maskedSegment++;
          expect(Number.isNaN(fa[i]) && Number.isNaN(ea[i])).toBe(true);
          continue;
        }
        maxRel = Math.max(maxRel, Math.abs(fa[i] - refFlux[k]) / refFlux[k], Math.abs(ea[i] - Math.sqrt(refVar[k])) / Math.sqrt(refVar[k]), Math.abs(fa[i] - fb[i]) / fb[i]);
      } else if (Number.isNaN(fa[i])) nanOutside++;
    }
    expect(segment).toBe(20 + 24);
    expect(maskedSegment).toBeGreaterThan(0);
    expect(maxRel).toBeLessThan(1e-5);
    // most pixels outside the segments were not computed (NaN), and the target band passes through everywhere
    expect(nanOutside).toBeGreaterThan(0.5 * (a.numRows - segment));
    expect(column(a, 'flux_f444w_njy').every((v, i) => Object.is(v, column(b, 'flux_f444w_njy')[i]))).toBe(true);
  });
});
