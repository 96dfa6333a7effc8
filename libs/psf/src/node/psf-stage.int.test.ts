import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchFromColumns, column, FlagRegistry, RunStats, STANDARD_FLAGS, stripGeometry, stripMetadata, type RecordBatch, type StageContext } from '@pixsed/core';
import { convolveImage } from '../convolve-image.js';
import { gaussianPsf } from '../gaussian-psf.js';
import { varianceKernel } from '../variance-kernel.js';
import { createPsfStage, psfStageSchema } from './psf-stage.js';

const W = 40;
const H = 50;
const ctx = (): StageContext => {
  const flags = new FlagRegistry();
  STANDARD_FLAGS.forEach((f) => flags.register(f));
  return { stageName: 'psf', pipelineDir: '.', outDir: '.', flags, stats: new RunStats(), signal: new AbortController().signal, log: () => undefined };
};
const img = (seed: number) => Float32Array.from({ length: W * H }, (_, i) => Math.abs(Math.sin(i * 0.37 + seed)) * 100 + (i % 7));
const wcs = JSON.stringify({ CD1_1: -0.03 / 3600, CD1_2: 0, CD2_1: 0, CD2_2: 0.03 / 3600 });

/** Strips of `rows` core rows with `halo` halo rows, as the mosaic source makes them. */
function strips(flux: Float32Array, err: Float32Array, rows: number, halo: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  for (let c0 = 0; c0 < H; c0 += rows) {
    const c1 = Math.min(H, c0 + rows);
    const y0 = Math.max(0, c0 - halo);
    const y1 = Math.min(H, c1 + halo);
    const n = W * (y1 - y0);
    out.push(
      batchFromColumns(
        {
          x: Int32Array.from({ length: n }, (_, i) => i % W),
          y: Int32Array.from({ length: n }, (_, i) => y0 + Math.floor(i / W)),
          flux_f150w_njy: flux.slice(y0 * W, y1 * W),
          flux_f150w_err_njy: err.slice(y0 * W, y1 * W),
          flux_f444w_njy: flux.slice(y0 * W, y1 * W),
          flux_f444w_err_njy: err.slice(y0 * W, y1 * W),
          flags: new Uint32Array(n),
        },
        { ...stripMetadata({ x0: 0, y0, width: W, height: y1 - y0, haloTop: c0 - y0, haloBottom: y1 - c1, mosaicWidth: W, mosaicHeight: H }), 'pixsed.bands': 'f150w,f444w', 'pixsed.wcs': wcs },
      ),
    );
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
    for (const rows of [7, 16, 50]) {
      const kernel = createPsfStage(cfg, '.', () => undefined);
      const out: RecordBatch[] = [];
      for (const b of strips(flux, err, rows, 12)) out.push(await kernel(b, ctx()));
      let maxRel = 0;
      let maxErrRel = 0;
      let covered = 0;
      for (const b of out) {
        const g = stripGeometry(b, 'test');
        expect(g.haloTop + g.haloBottom).toBe(0);
        const f = column(b, 'flux_f150w_njy');
        const e = column(b, 'flux_f150w_err_njy');
        const t = column(b, 'flux_f444w_njy');
        for (let i = 0; i < b.numRows; i++) {
          const k = g.y0 * W + i;
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
});
