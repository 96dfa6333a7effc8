import type { RecordBatch } from 'apache-arrow';
import { SchemaError } from './errors.js';

/**
 * Geometry of an image strip or tile, stored in the batch's schema metadata (keys `pixsed.strip.*`).
 * Rows of the batch are pixels in row-major order over `width × height`, starting at mosaic pixel
 * (`x0`, `y0`); the first `haloTop` and last `haloBottom` rows, and the first `haloLeft` and last
 * `haloRight` columns, are halo for convolution, not output pixels. A full-width strip has
 * `x0 = 0`, `width = mosaicWidth` and no column halo.
 */
export interface StripGeometry {
  x0: number;
  y0: number;
  width: number;
  height: number;
  haloTop: number;
  haloBottom: number;
  /** halo columns on the left/right (0 for full-width strips; absent in older metadata means 0) */
  haloLeft: number;
  haloRight: number;
  mosaicWidth: number;
  mosaicHeight: number;
}

const KEYS: (keyof StripGeometry)[] = ['x0', 'y0', 'width', 'height', 'haloTop', 'haloBottom', 'haloLeft', 'haloRight', 'mosaicWidth', 'mosaicHeight'];
/** Keys that may be absent (metadata written before tiles existed): they default to 0. */
const OPTIONAL = new Set<keyof StripGeometry>(['haloLeft', 'haloRight']);

export function stripMetadata(g: Omit<StripGeometry, 'haloLeft' | 'haloRight'> & Partial<Pick<StripGeometry, 'haloLeft' | 'haloRight'>>): Record<string, string> {
  const full: StripGeometry = { haloLeft: 0, haloRight: 0, ...g };
  return Object.fromEntries(KEYS.map((k) => [`pixsed.strip.${k}`, String(full[k])]));
}

/** Read the strip geometry of a batch; throws a SchemaError naming the stage if absent. */
export function stripGeometry(batch: RecordBatch, stage: string): StripGeometry {
  const m = batch.schema.metadata;
  const out = {} as StripGeometry;
  for (const k of KEYS) {
    const v = m.get(`pixsed.strip.${k}`) ?? (OPTIONAL.has(k) ? '0' : undefined);
    if (v === undefined) throw new SchemaError(`${stage}: batch is not an image strip (no 'pixsed.strip.${k}' metadata); put it after the mosaic source`);
    out[k] = Number(v);
  }
  return out;
}

/** The strip geometry of a batch, or undefined when it is not an image strip (e.g. synthetic pixels). */
export function maybeStripGeometry(batch: RecordBatch): StripGeometry | undefined {
  return batch.schema.metadata.has('pixsed.strip.width') ? stripGeometry(batch, 'stage') : undefined;
}

/**
 * Schema-metadata key listing, as JSON `GalaxyBox[]`, the galaxies none of whose pixels come in a
 * later batch (the batch holding the last tile, in stream order, that overlaps the galaxy's bounding
 * box): downstream aggregation can flush them after this batch.
 */
export const GALAXIES_COMPLETE_KEY = 'pixsed.galaxies.complete';

/** A segment's bounding box (inclusive, 0-based mosaic pixels) and its pixel count. */
export interface GalaxyBox {
  id: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  nPixels: number;
  /** the input catalogue's position of the galaxy (deg), when it has ra/dec columns */
  ra?: number;
  dec?: number;
  /** where the galaxy's z comes from ('spec' | 'catalogue-photo' | 'pixsed-photo' | 'none'; @pixsed/model Z_SOURCES) and the photo-z's 16–84 % bounds */
  zSource?: string;
  zLo?: number;
  zHi?: number;
}

/**
 * The galaxies a photo-z first pass fits (ADR 0010): those without a catalogue z (`zSource` 'none') among `boxes`,
 * only the shard's own in a sharded run (`owned`), by id.
 */
export function pendingRedshift(stream: { galaxies?: GalaxyBox[]; shard?: { galaxies: number[] } }): number[] {
  const owned = stream.shard ? new Set(stream.shard.galaxies) : undefined;
  return (stream.galaxies ?? []).filter((g) => g.zSource === 'none' && (!owned || owned.has(g.id))).map((g) => g.id);
}

/** Galaxies completed by this batch (empty when the key is absent). */
export function galaxiesComplete(batch: RecordBatch): GalaxyBox[] {
  const raw = batch.schema.metadata.get(GALAXIES_COMPLETE_KEY);
  return raw ? (JSON.parse(raw) as GalaxyBox[]) : [];
}

/** Schema-metadata key: JSON `{galaxyId: {reason: count}}` of segment pixels a stage removed from this batch. */
export const MASKED_BY_GALAXY_KEY = 'pixsed.masked.byGalaxy';

/** Metadata entry listing the galaxies completed by a batch (the writer of `galaxiesComplete`). */
export function galaxiesCompleteMetadata(boxes: GalaxyBox[]): Record<string, string> {
  return { [GALAXIES_COMPLETE_KEY]: JSON.stringify(boxes) };
}

/** Segment pixels removed from this batch per galaxy id and reason (empty when the key is absent). */
export function maskedByGalaxy(batch: RecordBatch): Record<string, Record<string, number>> {
  const raw = batch.schema.metadata.get(MASKED_BY_GALAXY_KEY);
  return raw ? (JSON.parse(raw) as Record<string, Record<string, number>>) : {};
}

/** Metadata entry of `maskedByGalaxy`. */
export function maskedByGalaxyMetadata(removed: Record<number, Record<string, number>>): Record<string, string> {
  return { [MASKED_BY_GALAXY_KEY]: JSON.stringify(removed) };
}

/** Schema-metadata key of the segment pixels a mask removed from this batch, with their flags (`removedPixels`). */
export const REMOVED_PIXELS_KEY = 'pixsed.masked.pixels';

/**
 * Segment pixels removed from this batch: quadruples (galaxy_id, x, y, flags) in an Int32Array (flags as int32 bits),
 * so that per-galaxy outputs can say why each pixel of the segment is missing. Empty when the key is absent.
 */
export function removedPixels(batch: RecordBatch): Int32Array {
  const raw = batch.schema.metadata.get(REMOVED_PIXELS_KEY);
  if (!raw) return new Int32Array(0);
  const bytes = Buffer.from(raw, 'base64');
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Metadata entry of `removedPixels` (base64 of the little-endian int32 quadruples). */
export function removedPixelsMetadata(quads: Int32Array): Record<string, string> {
  return { [REMOVED_PIXELS_KEY]: Buffer.from(quads.buffer, quads.byteOffset, quads.byteLength).toString('base64') };
}

/** Schema-metadata key a source may set: pixels the batch represents (e.g. strip rows without halo). */
export const PIXELS_KEY = 'pixsed.pixels';

/** Pixels a batch stands for (`PIXELS_KEY`, else its row count): what the run counts as rows in. */
export function batchPixels(batch: RecordBatch): number {
  return Number(batch.schema.metadata.get(PIXELS_KEY) ?? batch.numRows);
}

/** Metadata entry of `batchPixels`. */
export function pixelsMetadata(n: number): Record<string, string> {
  return { [PIXELS_KEY]: String(n) };
}

/**
 * Schema-metadata key a sharded source sets on each tile (`pixsed run --shard`): which of the tile's pixels this shard
 * owns — the segment pixels of `galaxies`, and the background pixels (id 0) when `background` — so the mask stage
 * considers only those (the others are another shard's: neither kept nor counted here, like halo pixels).
 */
export const SHARD_OWNED_KEY = 'pixsed.shard.owned';

export interface ShardOwned {
  galaxies: number[];
  background: boolean;
}

/** The tile's owned pixels (`SHARD_OWNED_KEY`), or undefined in an unsharded run. */
export function shardOwned(batch: RecordBatch): ShardOwned | undefined {
  const raw = batch.schema.metadata.get(SHARD_OWNED_KEY);
  return raw ? (JSON.parse(raw) as ShardOwned) : undefined;
}

/** Metadata entry of `shardOwned`. */
export function shardOwnedMetadata(o: ShardOwned): Record<string, string> {
  return { [SHARD_OWNED_KEY]: JSON.stringify(o) };
}

/** Schema-metadata key of the image-model maps of the galaxies a batch completed (`tileMaps`, written by the tile-model stage). */
export const TILE_MAPS_KEY = 'pixsed.tilemodel.maps';

/**
 * One galaxy's image-model maps over its segmentation box (row-major, box width × height): per parameter (in
 * `StreamInfo.tileModel.parameters` order) the mean and the 1σ of the model's Gaussian head, NaN outside the
 * segment; `flags` the pixel flags of the segment's pixels (-1 outside the segment).
 */
export interface TileMaps {
  box: GalaxyBox;
  z: number;
  mean: Float32Array[];
  sigma: Float32Array[];
  flags: Int32Array;
}

const b64 = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const fromB64 = <T extends Float32Array | Int32Array>(s: string, C: new (b: ArrayBuffer) => T): T => {
  const bytes = Buffer.from(s, 'base64');
  return new C(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
};

/** Image-model maps of the galaxies completed by this batch (empty when the key is absent). */
export function tileMaps(batch: RecordBatch): TileMaps[] {
  const raw = batch.schema.metadata.get(TILE_MAPS_KEY);
  if (!raw) return [];
  const parsed = JSON.parse(raw) as { box: GalaxyBox; z: number | null; mean: string[]; sigma: string[]; flags: string }[];
  return parsed.map((g) => ({ box: g.box, z: g.z ?? NaN, mean: g.mean.map((s) => fromB64(s, Float32Array)), sigma: g.sigma.map((s) => fromB64(s, Float32Array)), flags: fromB64(g.flags, Int32Array) }));
}

/** Metadata entry of `tileMaps` (float32/int32 arrays as base64 of their little-endian bytes). */
export function tileMapsMetadata(maps: TileMaps[]): Record<string, string> {
  return { [TILE_MAPS_KEY]: JSON.stringify(maps.map((g) => ({ box: g.box, z: Number.isFinite(g.z) ? g.z : null, mean: g.mean.map(b64), sigma: g.sigma.map(b64), flags: b64(g.flags) }))) };
}

/** True for the schema-metadata keys that describe one batch only (this module's), not the stream. */
export function isPerBatchKey(key: string): boolean {
  return key.startsWith('pixsed.strip.') || key === PIXELS_KEY || key === GALAXIES_COMPLETE_KEY || key === MASKED_BY_GALAXY_KEY || key === REMOVED_PIXELS_KEY || key === SHARD_OWNED_KEY || key === TILE_MAPS_KEY || key === 'pixsed.batch';
}

/** A batch's schema metadata without its per-batch entries: what a file-level header may keep. */
export function runLevelMetadata(meta: Map<string, string>): Map<string, string> {
  return new Map([...meta].filter(([k]) => !isPerBatchKey(k)));
}

/** The geometry once halo rows and columns are trimmed off (what a stage that trims them emits). */
export function withoutHalo(g: StripGeometry): StripGeometry {
  return { ...g, x0: g.x0 + g.haloLeft, y0: g.y0 + g.haloTop, width: g.width - g.haloLeft - g.haloRight, height: g.height - g.haloTop - g.haloBottom, haloTop: 0, haloBottom: 0, haloLeft: 0, haloRight: 0 };
}
