import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, column, FLAG, FlagRegistry, RunStats, STANDARD_FLAGS, stripGeometry, stripMetadata, SURVEY_DEFINITION_KEY, type RecordBatch, type StageContext } from '@pixsed/core';
import { convolveImage } from '../convolve-image.js';
import { gaussianPsf } from '../gaussian-psf.js';
import { varianceKernel } from '../variance-kernel.js';
import { createPsfStage, MISSING_BANDS_COLUMN, psfStageSchema } from './psf-stage.js';

const W = 40;
const H = 50;
const ctx = (): StageContext => {
  const flags = new FlagRegistry();
  STANDARD_FLAGS.forEach((f) => flags.register(f));
  return { stageName: 'psf', pipelineDir: '.', outDir: '.', flags, stats: new RunStats(), signal: new AbortController().signal, log: () => undefined };
};
const img = (seed: number) => Float32Array.from({ length: W * H }, (_, i) => Math.abs(Math.sin(i * 0.37 + seed)) * 100 + (i % 7));
const wcs = JSON.stringify({ CD1_1: -0.03 / 3600, CD1_2: 0, CD2_1: 0, CD2_2: 0.03 / 3600 });

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
            'pixsed.bands': 'f150w,f444w',
            'pixsed.wcs': wcs,
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
      const kernel = createPsfStage(cfg, '.', () => undefined);
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
    const kernel = createPsfStage(cfg, '.', () => undefined);
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
    const kernel = createPsfStage(cfg, '.', () => undefined);
    const b = strips(img(1), new Float32Array(W * H).fill(1), 10, 2)[1];
    await expect(kernel(b, ctx())).rejects.toThrow(/set source\.haloRows ≥ \d+/);
    // tiles: too few halo columns is refused the same way (the middle tile of a row has both sides)
    const t = strips(img(1), new Float32Array(W * H).fill(1), 50, 2, 13)[1];
    await expect(createPsfStage(cfg, '.', () => undefined)(t, ctx())).rejects.toThrow(/left 2, right 2: set source\.haloRows ≥ \d+/);
  });

  it('refuses a source PSF broader than the target', async () => {
    const bad = psfStageSchema.parse({ ...cfg, psfs: { f150w: { fwhmArcsec: 0.3 }, f444w: { fwhmArcsec: 0.145 } } });
    const kernel = createPsfStage(bad, '.', () => undefined);
    await expect(kernel(strips(img(1), img(2), 50, 12)[0], ctx())).rejects.toThrow(/broader than the target f444w; matching would deconvolve/);
    const listed = createPsfStage(psfStageSchema.parse({ ...bad, passThroughBands: ['f150w'] }), '.', () => undefined);
    const b = strips(img(1), img(2), 50, 12)[0];
    const out = await listed(b, ctx());
    expect(Array.from(column(out, 'flux_f150w_njy'))).toEqual(Array.from(column(b, 'flux_f150w_njy')));
    expect(out.schema.metadata.get('pixsed.psf.unmatched')).toBe('f150w');
  });

  it('marks a band missing per pixel: footprint rule in a matched band, the pixel itself in the target band', async () => {
    const flux = img(4);
    const err = new Float32Array(W * H).fill(1);
    const tFlux = img(5);
    const tErr = new Float32Array(W * H).fill(2);
    flux[10 * W + 10] = NaN; // f150w (matched): a (2r+1)² footprint
    tErr[30 * W + 30] = 0; // f444w (target, not convolved): that pixel only
    tFlux[40 * W + 5] = Infinity;
    const kernel = createPsfStage(cfg, '.', () => undefined);
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
    const survey = (t: string) => ({ [SURVEY_DEFINITION_KEY]: JSON.stringify({ name: 'mock', targetPsfBand: t, bands: [] }) });
    const b = (t: string) => strips(img(1), img(2), 50, 12, W, undefined, survey(t))[0];
    const fromSurvey = await createPsfStage(noTarget, '.', () => undefined)(b('f444w'), ctx());
    expect(fromSurvey.schema.metadata.get('pixsed.psf.target')).toBe('f444w');
    const explicit = await createPsfStage(cfg, '.', () => undefined)(b('f444w'), ctx());
    expect(Array.from(column(fromSurvey, 'flux_f150w_njy'))).toEqual(Array.from(column(explicit, 'flux_f150w_njy')));
    // the survey's f150w target would deconvolve f444w: the error proves the survey value was used
    await expect(createPsfStage(noTarget, '.', () => undefined)(b('f150w'), ctx())).rejects.toThrow(/band f444w .* is broader than the target f150w/);
    // explicit targetBand wins over the survey's
    expect((await createPsfStage(cfg, '.', () => undefined)(b('f150w'), ctx())).schema.metadata.get('pixsed.psf.target')).toBe('f444w');
    await expect(createPsfStage(noTarget, '.', () => undefined)(strips(img(1), img(2), 50, 12)[0], ctx())).rejects.toThrow(/psf\.targetBand: not set and the batches carry no survey definition/);
    await expect(createPsfStage(noTarget, '.', () => undefined)(b('f200w'), ctx())).rejects.toThrow(/psf\.targetBand \(default: targetPsfBand of survey 'mock'\): 'f200w' is not among the data bands/);
  });
});
