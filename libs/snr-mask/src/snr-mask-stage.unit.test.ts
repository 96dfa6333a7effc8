import { describe, expect, it } from 'vitest';
import { batchFromColumns, column, FlagRegistry, minimalStreamInfo, RunStats, STANDARD_FLAGS, stripMetadata, type StageContext, type StreamInfo } from '@pixsed/core';
import { resolveSnrBands, snrMask, snrMaskSchema, snrMaskStage, type ResolvedSnrMaskConfig } from './snr-mask-stage.js';

const bands = ['f277w', 'f356w', 'f444w'];
const cfg: ResolvedSnrMaskConfig = { ...snrMaskSchema.parse({}), snrBands: bands };

function pixels(rows: { f: number[]; e?: number[]; gid?: number; z?: number }[], meta: Record<string, string> = {}) {
  const n = rows.length;
  const cols: Record<string, Float32Array | Int32Array | Uint32Array> = {
    x: Int32Array.from(rows, (_, i) => i),
    y: new Int32Array(n),
    galaxy_id: Int32Array.from(rows, (r) => r.gid ?? 1),
    z: Float32Array.from(rows, (r) => r.z ?? 1),
    flags: new Uint32Array(n),
  };
  bands.forEach((b, k) => {
    cols[`flux_${b}_njy`] = Float32Array.from(rows, (r) => r.f[k]);
    cols[`flux_${b}_err_njy`] = Float32Array.from(rows, (r) => (r.e ?? [1, 1, 1])[k]);
  });
  return batchFromColumns(cols, meta);
}

const ctx = (stream: StreamInfo = minimalStreamInfo('test', [])): StageContext => {
  const flags = new FlagRegistry();
  STANDARD_FLAGS.forEach((f) => flags.register(f));
  return { stageName: 'snr-mask', pipelineDir: '.', outDir: '.', flags, stats: new RunStats(), signal: new AbortController().signal, log: () => undefined, stream } as unknown as StageContext;
};

describe('snr-mask', () => {
  it('uses the mean of f/σ over the S/N bands, strictly above 5 by default', () => {
    const b = pixels([{ f: [5, 5, 5] }, { f: [4, 5, 6.01] }, { f: [15, 0, 0] }, { f: [4.9, 5, 5] }, { f: [10, 10, 10], e: [2, 2, 2] }]);
    expect(Array.from(snrMask(b, cfg).keep)).toEqual([0, 1, 0, 0, 0]);
    expect(Array.from(snrMask(b, { ...cfg, comparison: '>=' }).keep)).toEqual([1, 1, 1, 0, 1]);
  });

  it('an S/N band that is not required but has σ = 0, σ < 0 or a NaN flux: the mean S/N is not defined → LOW_SNR (σ = 0 gave S/N = ∞ and kept it)', () => {
    const b = pixels([{ f: [9, 9, 9], e: [1, 0, 1] }, { f: [9, 9, 9], e: [1, -1, 1] }, { f: [9, NaN, 9] }, { f: [9, 9, 9] }]);
    const r = snrMask(b, { ...cfg, requiredBands: ['f277w'] });
    expect(Array.from(r.keep)).toEqual([0, 0, 0, 1]);
    expect(r.removed).toEqual({ LOW_SNR: 3 });
  });

  it('flags and counts each removal reason once, in priority order', () => {
    const b = pixels([
      { f: [NaN, 9, 9], gid: 0 },
      { f: [9, 9, 9], z: NaN },
      { f: [NaN, 9, 9] },
      { f: [9, 9, 9], e: [1, 0, 1] },
      { f: [1, 1, 1] },
      { f: [9, 9, 9] },
      { f: [9, 9, 9], gid: 0, z: NaN },
    ]);
    const r = snrMask(b, cfg);
    expect(r.removed).toEqual({ OUTSIDE_SEGMENTATION: 2, NO_REDSHIFT: 1, NONFINITE_FLUX: 1, BAD_ERROR: 1, LOW_SNR: 1 });
    expect(r.kept).toBe(1);
    expect(r.flags[6]).toBe(0b11); // outside + no z (its S/N is fine)
    expect(r.flags[0]).toBe(0b1); // outside: its values are not looked at (no NONFINITE_FLUX, no LOW_SNR for its NaN flux)
    expect(r.flags[2]).toBe(1 << 2 | 1 << 4); // NaN flux → non-finite, and its mean S/N is NaN → low
  });

  it('in a photo-z first pass (requireRedshift false) a pixel without z is kept on its S/N, its NO_REDSHIFT bit (set by the source) cleared', () => {
    const b = pixels([{ f: [9, 9, 9], z: NaN }, { f: [1, 1, 1], z: NaN }, { f: [9, 9, 9], gid: 0, z: NaN }, { f: [9, 9, 9] }]);
    const flags = column(b, 'flags') as Uint32Array;
    flags[0] = flags[1] = 0b10; // the mosaic source flags a pixel of a galaxy without z NO_REDSHIFT
    const r = snrMask(b, cfg, 0, b.numRows, undefined, undefined, false);
    expect(Array.from(r.keep)).toEqual([1, 0, 0, 1]);
    expect(r.removed).toEqual({ LOW_SNR: 1, OUTSIDE_SEGMENTATION: 1 });
    expect(r.flags[0]).toBe(0);
    expect(Array.from(snrMask(b, cfg).keep)).toEqual([0, 0, 0, 1]); // the main pass still needs a z
  });

  it('stage output holds only kept pixels and the run stats reconcile in = out + removed; halo rows are skipped', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => ({ f: i % 3 === 0 ? [1, 1, 1] : [8, 8, 8], gid: i === 5 ? 0 : 1 }));
    const meta = stripMetadata({ x0: 0, y0: 0, width: 3, height: 4, haloTop: 1, haloBottom: 1, mosaicWidth: 3, mosaicHeight: 10 });
    const c = ctx();
    const inst = await snrMaskStage.create(cfg, c);
    const out = await inst.kernel(pixels(rows, meta), c);
    // core rows are 3..8: i=3,6 low S/N, i=5 outside → 3 kept (4, 7, 8)
    expect(Array.from(column(out, 'x'))).toEqual([4, 7, 8]);
    expect(c.stats.dropped).toEqual({ LOW_SNR: 2, OUTSIDE_SEGMENTATION: 1 });
    expect(JSON.parse(out.schema.metadata.get('pixsed.masked.byGalaxy')!)).toEqual({ 1: { LOW_SNR: 2 } });
    expect(out.numRows + c.stats.droppedTotal()).toBe(6);
    expect(out.schema.metadata.get('pixsed.strip.y0')).toBe('1');
    expect(out.schema.metadata.get('pixsed.strip.haloTop')).toBe('0');
  });

  it('skips halo columns of tiles as well as halo rows', async () => {
    // a 4-wide, 3-high tile with 1 halo column left and right and 1 halo row on top: core is x 1..2, rows 1..2
    const rows = Array.from({ length: 12 }, () => ({ f: [8, 8, 8] }));
    const meta = stripMetadata({ x0: 9, y0: 4, width: 4, height: 3, haloTop: 1, haloBottom: 0, haloLeft: 1, haloRight: 1, mosaicWidth: 20, mosaicHeight: 10 });
    const c = ctx();
    const inst = await snrMaskStage.create(cfg, c);
    const out = await inst.kernel(pixels(rows, meta), c);
    expect(Array.from(column(out, 'x'))).toEqual([5, 6, 9, 10]);
    expect(out.numRows + c.stats.droppedTotal()).toBe(4);
    expect(out.schema.metadata.get('pixsed.strip.x0')).toBe('10');
    expect(out.schema.metadata.get('pixsed.strip.width')).toBe('2');
    expect(out.schema.metadata.get('pixsed.strip.haloLeft')).toBe('0');
  });

  it('names the missing column', async () => {
    const c = ctx();
    const inst = await snrMaskStage.create({ ...cfg, snrBands: ['f150w'] }, c);
    expect(() => inst.kernel(pixels([{ f: [1, 1, 1] }]), c)).toThrow(/snr-mask: batch has no column 'flux_f150w_njy'/);
  });

  it("takes the S/N bands from the survey definition in the StreamInfo unless the config sets them", async () => {
    const survey = (snrBands: string[]): StreamInfo => ({ ...minimalStreamInfo('test', bands), survey: { name: 's', snrBands } });
    // pixel 0 passes on f277w alone (S/N 9), fails on the mean of the three (S/N 3.67)
    const rows = [{ f: [9, 1, 1] }, { f: [1, 9, 9] }];
    const fromSurvey = await snrMaskStage.create(snrMaskSchema.parse({}), ctx(survey(['f277w'])));
    expect(Array.from(column(await fromSurvey.kernel(pixels(rows), ctx()), 'x'))).toEqual([0]);
    const explicit = await snrMaskStage.create(snrMaskSchema.parse({ snrBands: ['f356w', 'f444w'] }), ctx(survey(['f277w'])));
    expect(Array.from(column(await explicit.kernel(pixels(rows), ctx()), 'x'))).toEqual([1]);
    expect(resolveSnrBands(snrMaskSchema.parse({}), survey(['f444w', 'f356w'])).snrBands).toEqual(['f444w', 'f356w']);
    expect(() => snrMaskStage.create(snrMaskSchema.parse({}), ctx())).toThrow(/snr-mask\.snrBands: not set and the stream carries no survey definition/);
    // checked before any batch: an S/N band the stream lacks
    expect(() => snrMaskStage.create(snrMaskSchema.parse({ snrBands: ['f150w'] }), ctx(survey(['f277w'])))).toThrow(/snr-mask\.snrBands: f150w not among the data bands \(f277w, f356w, f444w\)/);
    // downstream sees the mask facts
    expect((await explicit).info?.mask).toEqual({ snrBands: ['f356w', 'f444w'], snrThreshold: 5, comparison: '>' });
  });

  it('drops a pixel whose S/N or required band is NaN (as the psf stage writes for a missing band) as NONFINITE_FLUX, not as kept', () => {
    const b = pixels([{ f: [9, NaN, 9], e: [1, NaN, 1] }, { f: [9, 9, 9], e: [1, NaN, 1] }, { f: [9, 9, 9] }]);
    const r = snrMask(b, cfg);
    expect(Array.from(r.keep)).toEqual([0, 0, 1]);
    expect(r.removed).toEqual({ NONFINITE_FLUX: 1, BAD_ERROR: 1 });
    // a band outside snrBands/requiredBands may be NaN: the pixel stays (the model treats it as missing)
    const free = snrMask(b, { ...cfg, snrBands: ['f277w', 'f444w'] });
    expect(Array.from(free.keep)).toEqual([1, 1, 1]);
  });
});

describe('snr-mask in a shard (pixsed run --shard)', () => {
  const rows = [
    { f: [10, 10, 10], gid: 1 },
    { f: [10, 10, 10], gid: 2 },
    { f: [0, 0, 0], gid: 2 }, // LOW_SNR, galaxy 2
    { f: [10, 10, 10], gid: 0 }, // background
    { f: [0, 0, 0], gid: 1 }, // LOW_SNR, galaxy 1
  ];
  it('considers only the pixels the shard owns: the others are neither kept nor counted', () => {
    const r = snrMask(pixels(rows), cfg, 0, rows.length, undefined, { galaxies: new Set([2]), background: true });
    expect(Array.from(r.keep)).toEqual([0, 1, 0, 0, 0]);
    expect(r.removed).toEqual({ LOW_SNR: 1, OUTSIDE_SEGMENTATION: 1 });
    expect(r.removedByGalaxy).toEqual({ 2: { LOW_SNR: 1 } });
    const other = snrMask(pixels(rows), cfg, 0, rows.length, undefined, { galaxies: new Set([1]), background: false });
    expect(other.removed).toEqual({ LOW_SNR: 1 });
    // the two shards together count what one run counts
    const all = snrMask(pixels(rows), cfg);
    expect(r.kept + other.kept).toBe(all.kept);
    expect(all.removed).toEqual({ LOW_SNR: 2, OUTSIDE_SEGMENTATION: 1 });
  });

  it("the stage states it applied the shard, drops the key, and refuses a shard's batch without it", async () => {
    const stream = { ...minimalStreamInfo('test', bands), shard: { index: 1, count: 2, galaxies: [2], tiles: 1 } };
    const stage = await snrMaskStage.create(snrMaskSchema.parse({ snrBands: bands }), { ...ctx(stream), stream } as never);
    expect(stage.info?.shard?.appliedBy).toBe('snr-mask');
    const owned = { 'pixsed.shard.owned': JSON.stringify({ galaxies: [2], background: false }) };
    const out = await stage.kernel(pixels(rows, owned), ctx(stream));
    expect(Array.from(column(out, 'galaxy_id'))).toEqual([2]);
    expect(out.schema.metadata.has('pixsed.shard.owned')).toBe(false);
    expect(() => stage.kernel(pixels(rows), ctx(stream))).toThrow(/a shard's batch without 'pixsed.shard.owned' metadata/);
  });
});
