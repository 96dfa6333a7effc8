import type { GalaxyCutout } from './galaxy-cutouts.js';
import { rampWeights, tileOrigins } from './tile-plan.js';
import type { TileModelManifest } from './tile-model-manifest.js';

/** Runs the image model on `n` tiles [n, C, H, W]; resolves to [n, 2P, H, W] (means, then ln σ). */
export type TileRunner = (input: Float32Array, n: number) => Promise<Float32Array>;

/** Per-parameter maps over a galaxy box (row-major, box width × height), NaN outside the segment. */
export interface GalaxyMaps {
  mean: Float32Array[];
  sigma: Float32Array[];
  tiles: number;
}

/**
 * Fill tile `(ox, oy)` (origin in box pixels; the canvas may extend past the box, where every channel is 0) of a
 * cutout into `out` at `offset`, as the manifest's channels: asinh(flux / scaleNjy) per band (0 where the flux is
 * missing), z / scale, the segment mask.
 */
export function fillTileInput(c: GalaxyCutout, m: TileModelManifest, bandIndex: number[], ox: number, oy: number, out: Float32Array, offset: number): void {
  const H = m.input.heightPx;
  const W = m.input.widthPx;
  m.input.channels.forEach((ch, k) => {
    const base = offset + k * H * W;
    for (let i = 0; i < H; i++) {
      const by = oy + i;
      for (let j = 0; j < W; j++) {
        const bx = ox + j;
        let v = 0;
        if (by >= 0 && by < c.height && bx >= 0 && bx < c.width) {
          const p = by * c.width + bx;
          if (ch.kind === 'band') {
            const f = c.flux[bandIndex[k]][p];
            v = Number.isFinite(f) ? Math.asinh(f / ch.scaleNjy) : 0;
          } else if (ch.kind === 'redshift') v = c.z / ch.scale;
          else v = c.segment[p];
        }
        out[base + i * W + j] = v;
      }
    }
  });
}

/**
 * The image model's per-pixel Gaussian (mean, σ) for every pixel of a galaxy's box: the box is cut into tiles of
 * the model's input size with `overlapPx` of overlap (`tileOrigins`), run `tilesPerRun` at a time, and blended
 * with linear ramp weights (`rampWeights`): mean = Σ w μ / Σ w, σ² = Σ w σ² / Σ w (the weighted mean variance).
 * Memory: one run of tiles plus the box's accumulators.
 */
export async function predictGalaxy(c: GalaxyCutout, m: TileModelManifest, bands: readonly string[], run: TileRunner, opts: { overlapPx: number; tilesPerRun: number }): Promise<GalaxyMaps> {
  const H = m.input.heightPx;
  const W = m.input.widthPx;
  const C = m.input.channels.length;
  const P = m.output.parameters.length;
  const bandIndex = m.input.channels.map((ch) => (ch.kind === 'band' ? bands.indexOf(ch.band) : -1));
  const xs = tileOrigins(c.width, W, opts.overlapPx);
  const ys = tileOrigins(c.height, H, opts.overlapPx);
  const wx = rampWeights(W, opts.overlapPx, xs.length === 1);
  const wy = rampWeights(H, opts.overlapPx, ys.length === 1);
  const n = c.width * c.height;
  const sw = new Float64Array(n);
  const sm = Array.from({ length: P }, () => new Float64Array(n));
  const sv = Array.from({ length: P }, () => new Float64Array(n));
  const origins = ys.flatMap((oy) => xs.map((ox) => [ox, oy] as const));
  const per = Math.max(1, opts.tilesPerRun);
  for (let t0 = 0; t0 < origins.length; t0 += per) {
    const chunk = origins.slice(t0, t0 + per);
    const input = new Float32Array(chunk.length * C * H * W);
    chunk.forEach(([ox, oy], t) => fillTileInput(c, m, bandIndex, ox, oy, input, t * C * H * W));
    const out = await run(input, chunk.length);
    chunk.forEach(([ox, oy], t) => {
      const base = t * 2 * P * H * W;
      for (let i = 0; i < H; i++) {
        const by = oy + i;
        if (by < 0 || by >= c.height) continue;
        for (let j = 0; j < W; j++) {
          const bx = ox + j;
          if (bx < 0 || bx >= c.width) continue;
          const w = wy[i] * wx[j];
          const p = by * c.width + bx;
          sw[p] += w;
          for (let k = 0; k < P; k++) {
            const mu = out[base + k * H * W + i * W + j];
            const s = Math.exp(out[base + (P + k) * H * W + i * W + j]);
            sm[k][p] += w * mu;
            sv[k][p] += w * s * s;
          }
        }
      }
    });
  }
  const mean = sm.map(() => new Float32Array(n).fill(NaN));
  const sigma = sv.map(() => new Float32Array(n).fill(NaN));
  for (let p = 0; p < n; p++) {
    if (!c.segment[p]) continue;
    for (let k = 0; k < P; k++) {
      mean[k][p] = sm[k][p] / sw[p];
      sigma[k][p] = Math.sqrt(sv[k][p] / sw[p]);
    }
  }
  return { mean, sigma, tiles: origins.length };
}
