import type { RecordBatch } from 'apache-arrow';
import { column, FLAGS_COLUMN, SchemaError, stripGeometry, withoutHalo, type GalaxyBox } from '@pixsed/core';

/** The PSF-matched pixels of one galaxy's segmentation box (row-major, box width × height). */
export interface GalaxyCutout {
  box: GalaxyBox;
  width: number;
  height: number;
  /** redshift of the galaxy (NaN when unknown) */
  z: number;
  /** flux per band [nJy] in the cutout's band order (NaN where missing) */
  flux: Float32Array[];
  /** 1σ per band [nJy] (NaN where missing) */
  err: Float32Array[];
  /** 1 on the galaxy's segment pixels */
  segment: Uint8Array;
  /** the stream's flags of each pixel (0 where the stream has none) */
  flags: Int32Array;
  /** pixels of the box filled so far (= width × height once every tile overlapping it has passed) */
  filled: number;
}

/**
 * Holds the PSF-matched pixels of every galaxy box that the strips have reached but not yet passed: a box is
 * allocated when the first tile overlapping it arrives and handed out by `take` when the batch that completes it
 * (`galaxiesComplete`) has been added, so memory is bounded by the boxes open at once (the largest galaxy times the
 * strip width), never the mosaic. Pixels of the whole box are kept (neighbours and background too: the image model
 * sees the box as it is), with the galaxy's segment as a mask.
 */
export class GalaxyCutouts {
  private readonly open = new Map<number, GalaxyCutout>();
  /** boxes sorted by first row, and the index of the first one not yet opened */
  private readonly boxes: GalaxyBox[];

  constructor(
    boxes: readonly GalaxyBox[],
    readonly bands: readonly string[],
    private readonly stage = 'tile-model',
  ) {
    this.boxes = [...boxes].sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  }

  /** Galaxies currently held, and their pixels (for memory accounting and tests). */
  get held(): { galaxies: number; pixels: number } {
    let pixels = 0;
    for (const g of this.open.values()) pixels += g.width * g.height;
    return { galaxies: this.open.size, pixels };
  }

  /** Copy the pixels of `batch` (an image tile: `pixsed.strip.*` metadata; halo rows/columns are skipped) into the boxes it overlaps. */
  add(batch: RecordBatch): void {
    const g = withoutHalo(stripGeometry(batch, this.stage));
    const full = stripGeometry(batch, this.stage);
    if (batch.numRows !== full.width * full.height) throw new SchemaError(`${this.stage}: batch has ${batch.numRows} rows but its strip geometry is ${full.width}×${full.height}: it needs whole image tiles (put it after psf, before snr-mask)`);
    const flux = this.bands.map((b) => column(batch, `flux_${b}_njy`, this.stage));
    const err = this.bands.map((b) => column(batch, `flux_${b}_err_njy`, this.stage));
    const gid = column(batch, 'galaxy_id', this.stage);
    const zc = column(batch, 'z', this.stage);
    const flags = batch.schema.fields.some((f) => f.name === FLAGS_COLUMN) ? column(batch, FLAGS_COLUMN, this.stage) : undefined;
    const tx1 = g.x0 + g.width - 1;
    const ty1 = g.y0 + g.height - 1;
    const rowOf = (x: number, y: number) => (y - full.y0) * full.width + (x - full.x0);
    for (const box of this.boxes) {
      if (box.y0 > ty1) break;
      if (box.y1 < g.y0 || box.x1 < g.x0 || box.x0 > tx1) continue;
      let c = this.open.get(box.id);
      if (!c) {
        const width = box.x1 - box.x0 + 1;
        const height = box.y1 - box.y0 + 1;
        const n = width * height;
        c = { box, width, height, z: NaN, flux: this.bands.map(() => new Float32Array(n).fill(NaN)), err: this.bands.map(() => new Float32Array(n).fill(NaN)), segment: new Uint8Array(n), flags: new Int32Array(n), filled: 0 };
        this.open.set(box.id, c);
      }
      const xa = Math.max(box.x0, g.x0);
      const xb = Math.min(box.x1, tx1);
      const ya = Math.max(box.y0, g.y0);
      const yb = Math.min(box.y1, ty1);
      for (let y = ya; y <= yb; y++) {
        for (let x = xa; x <= xb; x++) {
          const i = rowOf(x, y);
          const j = (y - box.y0) * c.width + (x - box.x0);
          for (let b = 0; b < flux.length; b++) {
            c.flux[b][j] = flux[b][i];
            c.err[b][j] = err[b][i];
          }
          if (gid[i] === box.id) {
            c.segment[j] = 1;
            if (Number.isFinite(zc[i])) c.z = zc[i];
          }
          if (flags) c.flags[j] = flags[i] | 0;
        }
      }
      c.filled += (xb - xa + 1) * (yb - ya + 1);
    }
  }

  /** Hand out (and forget) the cutout of galaxy `id`; undefined when no tile overlapped it. Throws when its box is not filled. */
  take(id: number): GalaxyCutout | undefined {
    const c = this.open.get(id);
    if (!c) return undefined;
    this.open.delete(id);
    if (c.filled !== c.width * c.height) throw new SchemaError(`${this.stage}: galaxy ${id} was reported complete with ${c.filled} of the ${c.width * c.height} pixels of its box read (tiles out of order?)`);
    return c;
  }

  /** Ids still held (boxes never reported complete). */
  remaining(): number[] {
    return [...this.open.keys()];
  }
}
