import { ConfigError } from './errors.js';
import type { GalaxyBox } from './strip-geometry.js';

/** Shard `index` of `count` (1-based: `--shard 1/4` … `--shard 4/4`, the SLURM array `--array=1-4`). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** The folder name of a shard under `<out>/shards/`: `part-<i>-of-<N>`. */
export function shardLabel(s: ShardSpec): string {
  return `part-${s.index}-of-${s.count}`;
}

/** `i/N` with 1 ≤ i ≤ N; `where` names the option or variable for the error. */
export function parseShardSpec(text: string, where = '--shard'): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1 && index <= count)) {
    throw new ConfigError(undefined, [{ path: where, message: `'${text}': expected i/N with 1 ≤ i ≤ N (shards are numbered from 1), e.g. 2/5, or 'auto' inside a SLURM array task` }], 'option');
  }
  return { index, count };
}

/** How the mosaic is cut into tiles (the source's grid: `stripRows` rows × `tileCols` columns, row-major tile index). */
export interface ShardGrid {
  width: number;
  height: number;
  stripRows: number;
  tileCols: number;
}

/**
 * The deterministic partition of a mosaic into `count` shards (docs/decisions/0009-shards-and-merge.md):
 * - galaxies are never split: galaxy g goes whole to one shard. Galaxies are taken in stream order (the tile that
 *   completes them, then segmentation order) and cut into `count` contiguous runs of about equal segment pixels
 *   (galaxy k goes to shard ⌊count · (Σ_{j<k} n_j + n_k / 2) / Σ n⌋ + 1): neighbours share a shard, so few tiles
 *   are read by two shards;
 * - a tile overlapped by the bounding box of a galaxy is read by every shard owning such a galaxy (its halo and
 *   PSF matching are then the same as in one run); its background pixels belong to the lowest of those shards;
 * - tiles overlapped by no galaxy box (background only) are spread in contiguous runs of equal count.
 * Every pixel of the mosaic is owned by exactly one shard: a segment pixel by its galaxy's, a background pixel by
 * its tile's background owner.
 */
export interface ShardPlan {
  count: number;
  tilesPerRow: number;
  nTiles: number;
  /** galaxy id → shard (1-based) */
  galaxyShard: Map<number, number>;
  /** tile index → the shard owning the tile's background pixels (1-based) */
  backgroundShard: Int32Array;
  /** tile index → the shards reading it (ascending) */
  tileShards: number[][];
}

/** Tile indices (row-major) overlapped by a galaxy's bounding box. */
export function boxTiles(b: Pick<GalaxyBox, 'x0' | 'x1' | 'y0' | 'y1'>, grid: ShardGrid): number[] {
  const tilesPerRow = Math.ceil(grid.width / grid.tileCols);
  const out: number[] = [];
  for (let r = Math.floor(b.y0 / grid.stripRows); r <= Math.floor(b.y1 / grid.stripRows); r++) {
    for (let c = Math.floor(b.x0 / grid.tileCols); c <= Math.floor(b.x1 / grid.tileCols); c++) out.push(r * tilesPerRow + c);
  }
  return out;
}

/** The tile (row-major index) that completes a galaxy: the one holding its box's last row and column. */
export function completingTile(b: Pick<GalaxyBox, 'x1' | 'y1'>, grid: ShardGrid): number {
  return Math.floor(b.y1 / grid.stripRows) * Math.ceil(grid.width / grid.tileCols) + Math.floor(b.x1 / grid.tileCols);
}

export function shardPlan(galaxies: readonly GalaxyBox[], grid: ShardGrid, count: number): ShardPlan {
  if (!(Number.isInteger(count) && count >= 1)) throw new ConfigError(undefined, [{ path: '--shard', message: `shard count must be an integer ≥ 1, got ${count}` }], 'option');
  const tilesPerRow = Math.ceil(grid.width / grid.tileCols);
  const nTiles = Math.ceil(grid.height / grid.stripRows) * tilesPerRow;
  // stream order: completing tile, then the segmentation order of `galaxies` (a stable sort)
  const order = galaxies.map((g, i) => ({ g, i, t: completingTile(g, grid) })).sort((a, b) => a.t - b.t || a.i - b.i);
  const total = order.reduce((s, o) => s + o.g.nPixels, 0);
  const galaxyShard = new Map<number, number>();
  let before = 0;
  for (const { g } of order) {
    const mid = total > 0 ? (before + g.nPixels / 2) / total : 0;
    galaxyShard.set(g.id, Math.min(count, Math.floor(count * mid) + 1));
    before += g.nPixels;
  }
  const tileShards: number[][] = Array.from({ length: nTiles }, () => []);
  for (const g of galaxies) {
    const s = galaxyShard.get(g.id)!;
    for (const t of boxTiles(g, grid)) if (!tileShards[t].includes(s)) tileShards[t].push(s);
  }
  const backgroundOnly = tileShards.flatMap((s, t) => (s.length === 0 ? [t] : []));
  const backgroundShard = new Int32Array(nTiles);
  tileShards.forEach((s, t) => {
    s.sort((a, b) => a - b);
    if (s.length) backgroundShard[t] = s[0];
  });
  backgroundOnly.forEach((t, k) => {
    const s = Math.floor((k * count) / backgroundOnly.length) + 1;
    backgroundShard[t] = s;
    tileShards[t].push(s);
  });
  return { count, tilesPerRow, nTiles, galaxyShard, backgroundShard, tileShards };
}

/** The tiles shard `index` reads, ascending (row-major = stream order). */
export function shardTiles(plan: ShardPlan, index: number): number[] {
  return plan.tileShards.flatMap((s, t) => (s.includes(index) ? [t] : []));
}
