import { describe, expect, it } from 'vitest';
import type { GalaxyBox } from '@pixsed/core';
import type { GalaxyCutout } from './galaxy-cutouts.js';
import { fillTileInput, predictGalaxy, type TileRunner } from './predict-galaxy.js';
import { tileModelManifestSchema, type TileModelManifest } from './tile-model-manifest.js';

const manifest = (h: number, w: number): TileModelManifest =>
  tileModelManifestSchema.parse({
    kind: 'tile-model',
    name: 't',
    version: '1',
    model: 'model.onnx',
    modelSha256: 'a'.repeat(64),
    input: { heightPx: h, widthPx: w, pixelScaleArcsec: 0.03, normalisation: 'asinh-flux-over-scale', channels: [{ kind: 'band', band: 'f444w', scaleNjy: 2 }, { kind: 'band', band: 'f150w', scaleNjy: 0.5 }, { kind: 'redshift', scale: 4 }, { kind: 'segment' }] },
    output: { head: 'gaussian-mean-logsigma', parameters: [{ name: 'a', unit: '' }, { name: 'b', unit: '' }] },
    psf: { targetBand: 'f444w' },
  });

/** A cutout of width × height with analytic fluxes (bands in the order [f150w, f444w]: the manifest's are swapped), an elliptical segment. */
function cutout(width: number, height: number, z = 1.5): GalaxyCutout {
  const n = width * height;
  const box: GalaxyBox = { id: 7, x0: 100, y0: 50, x1: 100 + width - 1, y1: 50 + height - 1, nPixels: 0 };
  const f150 = new Float32Array(n);
  const f444 = new Float32Array(n);
  const seg = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      f150[i] = Math.sin(x / 3) * 4 + y / 5;
      f444[i] = Math.cos(y / 4) * 6 - x / 7;
      seg[i] = ((x - width / 2) / (width / 2)) ** 2 + ((y - height / 2) / (height / 2)) ** 2 < 1 ? 1 : 0;
    }
  }
  f444[3] = NaN; // a missing band value: its channel is 0
  box.nPixels = seg.reduce((s, v) => s + v, 0);
  return { box, width, height, z, flux: [f150, f444], err: [new Float32Array(n).fill(1), new Float32Array(n).fill(1)], segment: seg, flags: new Int32Array(n), filled: n };
}

/** A pointwise model in JS: mean_a = x0 + 2 x1, mean_b = x2 − x3, ln σ_a = 0.1 x0, ln σ_b = −1 (per pixel, from the tile's channels). */
const pointwise =
  (h: number, w: number): TileRunner =>
  async (input, n) => {
    const hw = h * w;
    const out = new Float32Array(n * 4 * hw);
    for (let t = 0; t < n; t++) {
      for (let p = 0; p < hw; p++) {
        const x = (k: number) => input[t * 4 * hw + k * hw + p];
        out[t * 4 * hw + p] = x(0) + 2 * x(1);
        out[t * 4 * hw + hw + p] = x(2) - x(3);
        out[t * 4 * hw + 2 * hw + p] = 0.1 * x(0);
        out[t * 4 * hw + 3 * hw + p] = -1;
      }
    }
    return out;
  };

/** The pointwise model evaluated straight from the cutout's fluxes (no tiles). */
function expected(c: GalaxyCutout, p: number) {
  const f444 = Number.isFinite(c.flux[1][p]) ? Math.asinh(c.flux[1][p] / 2) : 0;
  const f150 = Math.asinh(c.flux[0][p] / 0.5);
  return { a: f444 + 2 * f150, b: c.z / 4 - 1, sa: Math.exp(0.1 * f444), sb: Math.exp(-1) };
}

describe('predictGalaxy', () => {
  for (const [w, h, label] of [[11, 9, 'smaller than the input (one centred tile)'], [53, 37, 'larger than the input (tiled, overlapping, blended)']] as const) {
    it(`reproduces a pointwise model exactly on a box ${label}`, async () => {
      const c = cutout(w, h);
      const m = manifest(16, 16);
      const r = await predictGalaxy(c, m, ['f150w', 'f444w'], pointwise(16, 16), { overlapPx: 5, tilesPerRun: 3 });
      // stride 16 − 5 = 11: x origins 0, 11, 22, 33, 37; y origins 0, 11, 21
      if (w > 16) expect(r.tiles).toBe(5 * 3);
      let checked = 0;
      for (let p = 0; p < w * h; p++) {
        if (!c.segment[p]) {
          expect(r.mean[0][p]).toBeNaN();
          continue;
        }
        const e = expected(c, p);
        expect(r.mean[0][p]).toBeCloseTo(e.a, 5);
        expect(r.mean[1][p]).toBeCloseTo(e.b, 5);
        expect(r.sigma[0][p]).toBeCloseTo(e.sa, 5);
        expect(r.sigma[1][p]).toBeCloseTo(e.sb, 5);
        checked++;
      }
      expect(checked).toBe(c.box.nPixels);
      expect(checked).toBeGreaterThan(w * h * 0.5);
    });
  }

  it('blends overlapping tiles with the ramp weights: a model answering a constant per tile gives a weighted mean of the constants', async () => {
    const c = cutout(24, 16);
    c.segment.fill(1);
    const m = manifest(16, 16);
    // tiles along x: origins 0 and 8 (stride 16 − 8 = 8, last flush at 24 − 16): the first answers 0, the second 1
    let calls = 0;
    const run: TileRunner = async (_input, n) => {
      const out = new Float32Array(n * 4 * 256);
      for (let t = 0; t < n; t++) {
        out.fill(calls, t * 4 * 256, t * 4 * 256 + 256);
        out.fill(Math.log(1 + calls), t * 4 * 256 + 512, t * 4 * 256 + 768); // σ_a = 1 then 2
        calls++;
      }
      return out;
    };
    const r = await predictGalaxy(c, m, ['f150w', 'f444w'], run, { overlapPx: 8, tilesPerRun: 1 });
    expect(r.tiles).toBe(2);
    const row = (k: number) => Array.from({ length: 24 }, (_, x) => r.mean[0][k * 24 + x]);
    const a = row(5);
    // only the first tile covers x < 8, only the second x ≥ 16; in between the ramps cross: w1 = (16 − x − ½)/8, w2 = (x − 8 + ½)/8
    for (let x = 0; x < 8; x++) expect(a[x]).toBe(0);
    for (let x = 16; x < 24; x++) expect(a[x]).toBe(1);
    for (let x = 8; x < 16; x++) {
      const w1 = (16 - x - 0.5) / 8;
      const w2 = (x - 8 + 0.5) / 8;
      expect(a[x]).toBeCloseTo(w2 / (w1 + w2), 6);
      // variances blend with the same weights
      expect(r.sigma[0][5 * 24 + x]).toBeCloseTo(Math.sqrt((w1 * 1 + w2 * 4) / (w1 + w2)), 5);
    }
  });
});

describe('fillTileInput', () => {
  it('writes asinh(flux/scale) per band channel in manifest order, z/scale, the segment, and 0 outside the box or where a flux is missing', () => {
    const c = cutout(4, 3, 2);
    const m = manifest(6, 6);
    const out = new Float32Array(4 * 36).fill(99);
    fillTileInput(c, m, [1, 0, -1, -1], -1, -2, out, 0);
    const at = (k: number, i: number, j: number) => out[k * 36 + i * 6 + j];
    // canvas (i, j) ↔ box (i − 2, j − 1)
    expect(at(0, 2, 1)).toBeCloseTo(Math.asinh(c.flux[1][0] / 2), 6);
    expect(at(1, 3, 2)).toBeCloseTo(Math.asinh(c.flux[0][1 * 4 + 1] / 0.5), 6);
    expect(at(0, 2, 4)).toBe(0); // box pixel 3: f444w missing
    expect(at(2, 3, 3)).toBe(0.5);
    expect(at(3, 3, 3)).toBe(c.segment[1 * 4 + 2]);
    for (let k = 0; k < 4; k++) {
      expect(at(k, 0, 0)).toBe(0);
      expect(at(k, 5, 5)).toBe(0);
      expect(at(k, 2, 0)).toBe(0);
    }
  });
});
