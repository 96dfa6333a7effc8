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
}

/** Galaxies completed by this batch (empty when the key is absent). */
export function galaxiesComplete(batch: RecordBatch): GalaxyBox[] {
  const raw = batch.schema.metadata.get(GALAXIES_COMPLETE_KEY);
  return raw ? (JSON.parse(raw) as GalaxyBox[]) : [];
}

/** Schema-metadata key: JSON `{galaxyId: {reason: count}}` of segment pixels a stage removed from this batch. */
export const MASKED_BY_GALAXY_KEY = 'pixsed.masked.byGalaxy';

/** Schema-metadata key: the resolved survey definition (JSON) the source read, for stages that need band facts (PSFs). */
export const SURVEY_DEFINITION_KEY = 'pixsed.survey.definition';
