import { describe, expect, it } from 'vitest';
import { tiles } from './mosaic-source.js';

describe('mosaic tiles (a step of openMosaic)', () => {
  it('row-major tiles of a 10 × 5 mosaic, 2-row strips, 4-column tiles, 1-pixel halos clipped at the edges (by hand)', () => {
    const got = [...tiles({ width: 10, height: 5, stripRows: 2, haloRows: 1, tileCols: 4, tilesPerRow: 3 })];
    const t = (index: number, c0: number, c1: number, t0: number, t1: number, y0: number, y1: number, x0: number, x1: number) => ({ index, c0, c1, t0, t1, y0, y1, x0, x1 });
    expect(got).toEqual([
      t(0, 0, 2, 0, 4, 0, 3, 0, 5),
      t(1, 0, 2, 4, 8, 0, 3, 3, 9),
      t(2, 0, 2, 8, 10, 0, 3, 7, 10),
      t(3, 2, 4, 0, 4, 1, 5, 0, 5),
      t(4, 2, 4, 4, 8, 1, 5, 3, 9),
      t(5, 2, 4, 8, 10, 1, 5, 7, 10),
      t(6, 4, 5, 0, 4, 3, 5, 0, 5),
      t(7, 4, 5, 4, 8, 3, 5, 3, 9),
      t(8, 4, 5, 8, 10, 3, 5, 7, 10),
    ]);
  });

  it('full-width strips without halos: one tile per strip, the last one short', () => {
    const got = [...tiles({ width: 6, height: 7, stripRows: 3, haloRows: 0, tileCols: 6, tilesPerRow: 1 })];
    expect(got.map((x) => [x.index, x.y0, x.y1, x.x0, x.x1])).toEqual([
      [0, 0, 3, 0, 6],
      [1, 3, 6, 0, 6],
      [2, 6, 7, 0, 6],
    ]);
  });
});
