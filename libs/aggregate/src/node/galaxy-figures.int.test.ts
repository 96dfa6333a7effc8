import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { StreamInfo } from '@pixsed/core';
import { rasterDataUrl, renderVegaLitePng } from '@pixsed/plots/node';
import { schemeRgb } from '@pixsed/plots';
import type { GalaxyResult } from '../galaxy-accumulator.js';
import { integratedFitSpec, massComparisonSpec, quicklookSpec, writeFigurePng } from './galaxy-figures.js';

/** Every text of a Vega SVG (single-line <text> and multi-line <tspan>). */
const svgText = (svg: string) => [...svg.matchAll(/<(?:text|tspan)[^>]*>([^<]+)</g)].map((m) => m[1]);
const dir = mkdtempSync(join(tmpdir(), 'pixsed-figures-'));
const S = 0.03; // arcsec / pixel
const stream: StreamInfo = {
  source: 'test',
  bands: [
    { name: 'f090w', unit: 'nJy', pivotWavelengthAngstrom: 9021.5 },
    { name: 'f200w', unit: 'nJy', pivotWavelengthAngstrom: 19886.5 },
    { name: 'f444w', unit: 'nJy', pivotWavelengthAngstrom: 44043.1 },
  ],
  pixelScaleArcsec: S,
  flags: [],
  columns: [],
  mask: { snrBands: ['f444w'], snrThreshold: 5, comparison: '>' },
  inference: { parameters: [{ name: 'log_mstar', unit: 'log10(Msun)' }, { name: 'log_sfr100', unit: 'log10(Msun/yr)' }, { name: 'av', unit: 'mag' }], model: { name: 'toy', version: '1', sha256: 'x', sps: 'maraston05' } },
};
const wcs = { CTYPE1: 'RA---TAN', CTYPE2: 'DEC--TAN', CRVAL1: 53.16, CRVAL2: -27.78, CRPIX1: 128.5, CRPIX2: 128.5, CD1_1: -S / 3600, CD1_2: 0, CD2_1: 0, CD2_2: S / 3600 };

/** A synthetic galaxy: an elliptical exponential disc in a 60 × 40 box at (100, 50), kept where the disc is above 5 % of its peak; the blue band has an off-centre clump. */
function galaxy(): GalaxyResult {
  const box = { id: 7, x0: 100, x1: 159, y0: 50, y1: 89, nPixels: 2400 };
  const w = 60;
  const h = 40;
  const maps: Record<string, Float32Array> = {};
  for (const k of ['log_mstar_p50', 'log_sfr100_p50', 'flux_f444w_njy', 'flux_f200w_njy', 'flux_f090w_njy']) maps[k] = new Float32Array(w * h).fill(NaN);
  const mask = new Uint8Array(w * h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = Math.hypot((x - 30) / 20, (y - 20) / 10);
      const clump = Math.exp(-(((x - 40) ** 2 + (y - 25) ** 2) / 8));
      const disc = Math.exp(-3 * r);
      if (disc < 0.05) continue;
      const i = y * w + x;
      mask[i] = 1;
      n++;
      maps.log_mstar_p50[i] = 8 + Math.log10(disc);
      maps.log_sfr100_p50[i] = -2 + Math.log10(disc + 3 * clump);
      maps.flux_f444w_njy[i] = 100 * disc;
      maps.flux_f200w_njy[i] = 80 * disc + 20 * clump;
      maps.flux_f090w_njy[i] = 40 * disc + 120 * clump;
    }
  }
  return { id: 7, z: 1.2345, box, nPixels: n, maps, mask, fluxSum: { f090w: 900, f200w: 1500, f444w: 2000 }, fluxSumErr: { f090w: 30, f200w: 20, f444w: 25 }, fluxSumPixels: { f090w: n, f200w: n - 3, f444w: n }, incompleteBands: ['f200w'], logMassSum: { p16: 10.1, p50: 10.2, p84: 10.3 } };
}
const ctx = { stream, wcs, rgb: ['f444w', 'f200w', 'f090w'] };

describe('galaxy figures (Vega-Lite → SVG → PNG)', () => {
  it('the quicklook draws the galaxy id, z, panel titles with units, colour-bar titles, a scale bar in arcsec and N/E labels', async () => {
    const spec = quicklookSpec(galaxy(), ctx);
    const { svg, png } = await renderVegaLitePng(spec);
    const file = await writeFigurePng(join(dir, 'galaxy_7.png'), spec);
    console.log(`quicklook: ${file}`);
    const text = svgText(svg);
    expect(text).toContain('Galaxy 7 · z = 1.234');
    expect(text).toContain('log M* per pixel');
    expect(text).toContain('log₁₀ M☉');
    expect(text).toContain('log₁₀ M☉ yr⁻¹');
    expect(text).toContain('R F444W · G F200W · B F090W');
    // 60 px × 0.03″ = 1.8″ field: the bar is the largest 1/2/5 × 10^k ≤ 30 % of it = 0.5″
    expect(text).toContain('0.5″');
    expect(text.filter((t) => t === 'N').length).toBe(3);
    expect(text.filter((t) => t === 'E').length).toBe(3);
    const img = PNG.sync.read(png);
    expect(img.width).toBeGreaterThan(800);
  });
});

describe('integrated-fit and run-level figures', () => {
  it('the corner plot titles every marginal with p50 +(p84 − p50) −(p50 − p16) of its samples; the SED says there is no model photometry', async () => {
    // samples on a grid with known percentiles: log_mstar uniform 9.00..10.99 (p16 ≈ 9.32, p50 ≈ 10.00, p84 ≈ 10.67)
    const n = 200;
    const lm = Float32Array.from({ length: n }, (_, i) => 9 + i / 100);
    const sfr = Float32Array.from(lm, (v) => v - 10 + 0.1 * Math.sin(v * 50));
    const av = Float32Array.from({ length: n }, (_, i) => (i % 20) / 10);
    const g = galaxy();
    const fit = {
      samples: { log_mstar: lm, log_sfr100: sfr, av },
      units: { log_mstar: 'log10(Msun)', log_sfr100: 'log10(Msun/yr)', av: 'mag' },
      photometry: stream.bands.map((b) => ({ band: b.name, pivotMicron: b.pivotWavelengthAngstrom! / 1e4, flux: g.fluxSum[b.name], err: g.fluxSumErr[b.name], fitted: b.name !== 'f200w' })),
      model: 'toy v1',
    };
    const spec = integratedFitSpec(g, fit);
    const { svg } = await renderVegaLitePng(spec);
    console.log(`fit: ${await writeFigurePng(join(dir, 'galaxy_7_fit.png'), spec)}`);
    const text = svgText(svg);
    // percentiles by the nearest-rank rule on 200 grid values: p16 = 9 + round(0.16·199)/100 = 9.32, p50 = 10.00 (rank 100), p84 = 10.67
    expect(text).toContain('log M* = 10.00 +0.67 −0.68');
    expect(text).toContain('Galaxy 7 · z = 1.234 · integrated-photometry fit');
    expect(text.some((t) => t.includes('no model photometry'))).toBe(true);
    expect(text).toContain('log M* [log₁₀ M☉]');
    expect(text).toContain('A_V [mag]');
    expect(text).toContain('not fitted (incomplete footprint)');
  });

  it('with model photometry (e.g. a posterior-predictive emulator) the SED panel draws it and says what it is', async () => {
    const g = galaxy();
    const lm = Float32Array.from({ length: 100 }, (_, i) => 9 + i / 100);
    const photometry = stream.bands.map((b) => ({ band: b.name, pivotMicron: b.pivotWavelengthAngstrom! / 1e4, flux: g.fluxSum[b.name], err: g.fluxSumErr[b.name], fitted: true, model: { p16: 0.9 * g.fluxSum[b.name], p50: g.fluxSum[b.name], p84: 1.1 * g.fluxSum[b.name] } }));
    const spec = integratedFitSpec(g, { samples: { log_mstar: lm }, units: { log_mstar: 'log10(Msun)' }, photometry, model: 'toy v1', modelPhotometry: 'posterior predictive (toy)' });
    const { svg } = await renderVegaLitePng(spec);
    console.log(`fit with model photometry: ${await writeFigurePng(join(dir, 'galaxy_7_fit_model.png'), spec)}`);
    const text = svgText(svg);
    expect(text).toContain('orange: model, posterior predictive (toy)');
    expect(text.some((t) => t.includes('no model photometry'))).toBe(false);
  });

  it('the run-level figure: Σ pixel vs integrated log M* and Δ, with the median Δ in the subtitle', async () => {
    const rows = [
      { id: 1, sum: { p16: 10.0, p50: 10.1, p84: 10.2 }, integrated: { p16: 9.6, p50: 9.8, p84: 10.0 } },
      { id: 2, sum: { p16: 9.0, p50: 9.1, p84: 9.2 }, integrated: { p16: 9.0, p50: 9.1, p84: 9.2 } },
      { id: 3, sum: { p16: 8.4, p50: 8.5, p84: 8.6 }, integrated: { p16: 8.3, p50: 8.4, p84: 8.5 } },
    ];
    const spec = massComparisonSpec(rows, 'Σ pixel vs integrated stellar mass');
    const { svg } = await renderVegaLitePng(spec);
    console.log(`mass: ${await writeFigurePng(join(dir, 'mass.png'), spec)}`);
    const text = svgText(svg);
    // Δ = 0.3, 0.0, 0.1 → median 0.100
    expect(text).toContain('3 galaxies; median Δ = 0.100 dex; bars: p16–p84');
    expect(text).toEqual(expect.arrayContaining(['1', '2', '3']));
  });
});

describe('rasters and colour scales', () => {
  it('viridis from the Vega scheme has matplotlib’s end points #440154 and #fde725', () => {
    const v = schemeRgb('viridis');
    expect(v(0)).toEqual([0x44, 0x01, 0x54]);
    expect(v(1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(() => schemeRgb('no-such-scheme')).toThrow(/unknown continuous Vega colour scheme 'no-such-scheme'/);
  });

  it('rasterDataUrl puts row 0 at the bottom (FITS convention) and upsamples by nearest neighbour', () => {
    // 2 × 2: pixel 0 (x 0, y 0) red, the rest blank
    const url = rasterDataUrl(2, 2, (i) => (i === 0 ? [255, 0, 0] : undefined), { upsample: 3, blank: [0, 0, 255, 255] });
    const img = PNG.sync.read(Buffer.from(url.split(',')[1], 'base64'));
    expect([img.width, img.height]).toEqual([6, 6]);
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    // PNG rows run top-down: y = 0 of the map is the bottom 3 PNG rows
    for (const [x, y] of [[0, 3], [2, 5], [1, 4]]) expect(at(x, y)).toEqual([255, 0, 0, 255]);
    for (const [x, y] of [[0, 2], [3, 5], [5, 0]]) expect(at(x, y)).toEqual([0, 0, 255, 255]);
    void readFileSync;
  });
});
