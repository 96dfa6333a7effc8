import type { RecordBatch } from 'apache-arrow';
import { SchemaError } from './errors.js';

/**
 * Geometry of an image strip, stored in the batch's schema metadata (keys `pixsed.strip.*`).
 * Rows of the batch are pixels in row-major order over `width × height`, starting at mosaic row `y0`;
 * the first `haloTop` and last `haloBottom` rows are halo for convolution, not output pixels.
 */
export interface StripGeometry {
  x0: number;
  y0: number;
  width: number;
  height: number;
  haloTop: number;
  haloBottom: number;
  mosaicWidth: number;
  mosaicHeight: number;
}

const KEYS: (keyof StripGeometry)[] = ['x0', 'y0', 'width', 'height', 'haloTop', 'haloBottom', 'mosaicWidth', 'mosaicHeight'];

export function stripMetadata(g: StripGeometry): Record<string, string> {
  return Object.fromEntries(KEYS.map((k) => [`pixsed.strip.${k}`, String(g[k])]));
}

/** Read the strip geometry of a batch; throws a SchemaError naming the stage if absent. */
export function stripGeometry(batch: RecordBatch, stage: string): StripGeometry {
  const m = batch.schema.metadata;
  const out = {} as StripGeometry;
  for (const k of KEYS) {
    const v = m.get(`pixsed.strip.${k}`);
    if (v === undefined) throw new SchemaError(`${stage}: batch is not an image strip (no 'pixsed.strip.${k}' metadata); put it after the mosaic source`);
    out[k] = Number(v);
  }
  return out;
}

/**
 * Schema-metadata key listing, as JSON `GalaxyBox[]`, the galaxies whose last segmentation row lies
 * in this strip's core rows: downstream aggregation can flush them after this batch.
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
