import { describe, expect, it } from 'vitest';
import { batchFromColumns, galaxiesCompleteMetadata, stripMetadata, type GalaxyBox } from '@pixsed/core';
import { GalaxyCutouts } from './galaxy-cutouts.js';

const W = 20;
const H = 12;
const fluxAt = (x: number, y: number) => 1000 * y + x;
const gidAt = (x: number, y: number) => (x >= 2 && x <= 6 && y >= 1 && y <= 8 ? 1 : x >= 10 && x <= 17 && y >= 4 && y <= 10 && (x + y) % 3 ? 2 : 0);
const boxes: GalaxyBox[] = [
  { id: 1, x0: 2, x1: 6, y0: 1, y1: 8, nPixels: 40 },
  { id: 2, x0: 10, x1: 17, y0: 4, y1: 10, nPixels: 0 },
];

/** A tile of the W × H mosaic: rows y0..y1−1, columns x0..x1−1 with `halo` rows above and below (as the source sends before psf trims it). */
function tile(x0: number, x1: number, y0: number, y1: number, halo = 0, complete: GalaxyBox[] = []) {
  const ya = Math.max(0, y0 - halo);
  const yb = Math.min(H, y1 + halo);
  const n = (x1 - x0) * (yb - ya);
  const cols = { x: new Int32Array(n), y: new Int32Array(n), flux_f444w_njy: new Float32Array(n), flux_f444w_err_njy: new Float32Array(n), galaxy_id: new Int32Array(n), z: new Float32Array(n), flags: new Uint32Array(n) };
  let i = 0;
  for (let y = ya; y < yb; y++) {
    for (let x = x0; x < x1; x++, i++) {
      cols.x[i] = x;
      cols.y[i] = y;
      cols.flux_f444w_njy[i] = fluxAt(x, y);
      cols.flux_f444w_err_njy[i] = 0.5;
      cols.galaxy_id[i] = gidAt(x, y);
      cols.z[i] = gidAt(x, y) ? gidAt(x, y) / 2 : NaN;
      cols.flags[i] = y === 3 ? 8 : 0;
    }
  }
  const meta = { ...stripMetadata({ x0, y0: ya, width: x1 - x0, height: yb - ya, haloTop: y0 - ya, haloBottom: yb - y1, mosaicWidth: W, mosaicHeight: H }), ...galaxiesCompleteMetadata(complete) };
  return batchFromColumns(cols, meta);
}

describe('GalaxyCutouts', () => {
  it('assembles each box from the tiles that overlap it (halo rows skipped) and hands it out once', () => {
    const c = new GalaxyCutouts(boxes, ['f444w']);
    // 2 × 2 tiles of 10 columns × 6 rows, with a halo of 2 rows whose values must not be used twice
    c.add(tile(0, 10, 0, 6, 2));
    c.add(tile(10, 20, 0, 6, 2));
    expect(c.held.galaxies).toBe(2);
    expect(() => c.take(1)).toThrow(/galaxy 1 was reported complete with 25 of the 40 pixels/);
    const c2 = new GalaxyCutouts(boxes, ['f444w']);
    for (const [x0, x1, y0, y1] of [[0, 10, 0, 6], [10, 20, 0, 6], [0, 10, 6, 12], [10, 20, 6, 12]]) c2.add(tile(x0, x1, y0, y1, 2));
    for (const b of boxes) {
      const g = c2.take(b.id)!;
      expect([g.width, g.height]).toEqual([b.x1 - b.x0 + 1, b.y1 - b.y0 + 1]);
      expect(g.z).toBe(b.id / 2);
      for (let y = b.y0; y <= b.y1; y++) {
        for (let x = b.x0; x <= b.x1; x++) {
          const j = (y - b.y0) * g.width + (x - b.x0);
          expect(g.flux[0][j]).toBe(fluxAt(x, y));
          expect(g.segment[j]).toBe(gidAt(x, y) === b.id ? 1 : 0);
          expect(g.flags[j]).toBe(y === 3 ? 8 : 0);
        }
      }
    }
    expect(c2.take(1)).toBeUndefined();
    expect(c2.held).toEqual({ galaxies: 0, pixels: 0 });
  });

  it('holds only the boxes the strips have reached and not yet passed (memory bounded by the open boxes)', () => {
    const c = new GalaxyCutouts([...boxes, { id: 3, x0: 0, x1: 3, y0: 11, y1: 11, nPixels: 1 }], ['f444w']);
    c.add(tile(0, 20, 0, 3));
    expect(c.remaining()).toEqual([1]);
    c.add(tile(0, 20, 3, 9, 0, [boxes[0]]));
    c.take(1);
    expect(c.remaining()).toEqual([2]);
    expect(c.held.pixels).toBe(8 * 7);
    c.add(tile(0, 20, 9, 12, 0, [boxes[1]]));
    expect(c.take(2)!.filled).toBe(56);
    expect(c.remaining()).toEqual([3]);
  });

  it('refuses a batch that is not a whole image tile (e.g. after snr-mask) and one without strip geometry', () => {
    const c = new GalaxyCutouts(boxes, ['f444w']);
    const t = tile(0, 10, 0, 6);
    const cut = batchFromColumns({ x: new Int32Array(3), y: new Int32Array(3), galaxy_id: new Int32Array(3) }, t.schema.metadata);
    expect(() => c.add(cut)).toThrow(/batch has 3 rows but its strip geometry is 10×6: it needs whole image tiles/);
    expect(() => c.add(batchFromColumns({ x: new Int32Array(1) }, new Map()))).toThrow(/not an image strip/);
  });
});
