import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseShardSpec, shardPlan, shardTiles, type ShardGrid } from './shard-partition.js';
import type { GalaxyBox } from './strip-geometry.js';

/** A segmentation map of `n` blobs (rectangles of random size, later ones on top) on a w × h grid, seeded. */
function segmentation(w: number, h: number, n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const seg = new Int32Array(w * h);
  for (let id = 1; id <= n; id++) {
    const bw = 1 + Math.floor(rnd() * 12);
    const bh = 1 + Math.floor(rnd() * 9);
    const x0 = Math.floor(rnd() * (w - bw));
    const y0 = Math.floor(rnd() * (h - bh));
    for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) seg[y * w + x] = id;
  }
  return seg;
}

/** Boxes in raster order of first appearance (as the mosaic source's segmentBoxes makes them). */
function boxes(seg: Int32Array, w: number): GalaxyBox[] {
  const m = new Map<number, GalaxyBox>();
  for (let i = 0; i < seg.length; i++) {
    const id = seg[i];
    if (!id) continue;
    const x = i % w;
    const y = Math.floor(i / w);
    const b = m.get(id);
    if (!b) m.set(id, { id, x0: x, x1: x, y0: y, y1: y, nPixels: 1 });
    else Object.assign(b, { x0: Math.min(b.x0, x), x1: Math.max(b.x1, x), y1: y, nPixels: b.nPixels + 1 });
  }
  return [...m.values()];
}

describe('parseShardSpec', () => {
  it('reads i/N numbered from 1', () => {
    expect(parseShardSpec('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShardSpec(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
  });
  it.each(['0/3', '4/3', '1/0', 'a/b', '2', '1/2/3', '-1/2', '1.5/2'])("refuses '%s' naming --shard", (t) => {
    expect(() => parseShardSpec(t)).toThrow(ConfigError);
    expect(() => parseShardSpec(t)).toThrow(/--shard: .*expected i\/N with 1 ≤ i ≤ N/);
  });
});

describe('shardPlan: every pixel in exactly one shard, no galaxy split', () => {
  const cases: [number, number, number, ShardGrid['stripRows'], ShardGrid['tileCols'], number][] = [
    [60, 45, 25, 8, 10, 1],
    [60, 45, 25, 8, 10, 3],
    [60, 45, 25, 7, 13, 5],
    [33, 70, 4, 16, 33, 7], // more shards than galaxies
    [50, 50, 40, 5, 5, 4],
  ];
  it.each(cases)('%i×%i px, %i blobs, %i-row × %i-column tiles, %i shards', (w, h, n, stripRows, tileCols, count) => {
    const seg = segmentation(w, h, n, w * 31 + count);
    const grid = { width: w, height: h, stripRows, tileCols };
    const gal = boxes(seg, w);
    const plan = shardPlan(gal, grid, count);
    const tilesPerRow = Math.ceil(w / tileCols);
    const owners = new Int32Array(w * h);
    const galaxyShards = new Map<number, Set<number>>();
    for (let s = 1; s <= count; s++) {
      // what shard s's source yields: its tiles; in each, the pixels it owns (the rule the mosaic source and snr-mask apply)
      for (const t of shardTiles(plan, s)) {
        const r0 = Math.floor(t / tilesPerRow) * stripRows;
        const c0 = (t % tilesPerRow) * tileCols;
        for (let y = r0; y < Math.min(h, r0 + stripRows); y++) {
          for (let x = c0; x < Math.min(w, c0 + tileCols); x++) {
            const id = seg[y * w + x];
            if (id > 0 ? plan.galaxyShard.get(id) !== s : plan.backgroundShard[t] !== s) continue;
            owners[y * w + x]++;
            if (id > 0) (galaxyShards.get(id) ?? galaxyShards.set(id, new Set()).get(id)!).add(s);
          }
        }
      }
    }
    expect(owners.every((k) => k === 1)).toBe(true);
    for (const g of gal) expect(galaxyShards.get(g.id)?.size).toBe(1);
    expect(galaxyShards.size).toBe(gal.length);
    // the same input gives the same plan
    expect(shardPlan(gal, grid, count).galaxyShard).toEqual(plan.galaxyShard);
  });

  it('cuts galaxies into contiguous runs of about equal segment pixels', () => {
    // 100 galaxies of 4 px each, one per 4-column tile in a 400-px-wide strip
    const gal: GalaxyBox[] = Array.from({ length: 100 }, (_, i) => ({ id: i + 1, x0: 4 * i, x1: 4 * i + 3, y0: 0, y1: 0, nPixels: 4 }));
    const plan = shardPlan(gal, { width: 400, height: 1, stripRows: 1, tileCols: 4 }, 4);
    const per = [1, 2, 3, 4].map((s) => gal.filter((g) => plan.galaxyShard.get(g.id) === s).map((g) => g.id));
    expect(per.map((p) => p.length)).toEqual([25, 25, 25, 25]);
    expect(per[1]).toEqual(Array.from({ length: 25 }, (_, i) => 26 + i)); // contiguous in stream order
  });

  it('spreads background-only tiles evenly', () => {
    const plan = shardPlan([], { width: 100, height: 100, stripRows: 10, tileCols: 10 }, 3);
    const counts = [1, 2, 3].map((s) => shardTiles(plan, s).length);
    expect(counts.reduce((a, b) => a + b)).toBe(100);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});
