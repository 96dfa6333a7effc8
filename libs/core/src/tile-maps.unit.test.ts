import { describe, expect, it } from 'vitest';
import { batchFromColumns } from './batch.js';
import { isPerBatchKey, runLevelMetadata, tileMaps, tileMapsMetadata, TILE_MAPS_KEY, type TileMaps } from './strip-geometry.js';

describe('tileMaps / tileMapsMetadata', () => {
  it('round-trips float32 maps and int32 flags bit for bit (NaN and -1 included), z NaN as NaN', () => {
    const g: TileMaps = {
      box: { id: 3, x0: 10, x1: 12, y0: 5, y1: 6, nPixels: 4 },
      z: NaN,
      mean: [Float32Array.from([1.5, NaN, -2, 3.25, 0, 7]), Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])],
      sigma: [Float32Array.from([0.5, NaN, 1, 2, 3, 4]), Float32Array.from([1e-7, 2, 3, 4, 5, 6])],
      flags: Int32Array.from([0, -1, 8, 2 ** 31 - 1, -1, 1]),
    };
    const b = batchFromColumns({ x: new Int32Array(1) }, { ...tileMapsMetadata([g, { ...g, z: 1.25, box: { ...g.box, id: 4 } }]), other: 'x' });
    const [a, c] = tileMaps(b);
    expect(a.box).toEqual(g.box);
    expect(a.z).toBeNaN();
    expect(c.z).toBe(1.25);
    expect(Array.from(a.mean[0])).toEqual(Array.from(g.mean[0]));
    expect(Array.from(a.sigma[1])).toEqual(Array.from(g.sigma[1]));
    expect(Array.from(a.flags)).toEqual(Array.from(g.flags));
    expect(tileMaps(batchFromColumns({ x: new Int32Array(1) }, {}))).toEqual([]);
  });
  it('is a per-batch key: file headers (runLevelMetadata) drop it', () => {
    expect(isPerBatchKey(TILE_MAPS_KEY)).toBe(true);
    expect([...runLevelMetadata(new Map([[TILE_MAPS_KEY, '[]'], ['pixsed.stream', '{}']])).keys()]).toEqual(['pixsed.stream']);
  });
});
