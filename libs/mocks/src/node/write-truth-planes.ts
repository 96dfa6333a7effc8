import { join } from 'node:path';
import { createFitsStripWriter, type FitsStripWriter } from '@pixsed/fits/node';
import { accumulateGalaxyTruthStrip, type GalaxyTruthStats } from '../galaxy-truth-stats.js';
import type { MosaicConfig } from '../mosaic-config.js';
import { segmentationStrip } from '../segmentation-strip.js';
import type { Stamp } from '../sersic-profile.js';
import { accumulateTruthStrip, createTruthAccumulators, TRUTH_MAPS, truthMapsFromAccumulators } from '../truth-maps.js';
import { mockPlaneHeader, type MockMosaicSetup } from './mock-mosaic-setup.js';
import { withStripWriters } from './strip-writers.js';

/**
 * Write `segmentation.fits` (footprints from each galaxy's own noiseless detection-band stamp `detStamps` above
 * thresholdSigma × σ) and `truth_<quantity>.fits`, strip by strip, adding footprint and in-image sums to `stats`.
 * Returns the file names written.
 */
export async function writeTruthPlanes(cfg: MosaicConfig, outDir: string, setup: MockMosaicSetup, detStamps: Stamp[], stats: GalaxyTruthStats[]): Promise<string[]> {
  const { widthPx: W, heightPx: H, stripRows } = cfg;
  const { wcs, galaxies, sigmaNjy } = setup;
  const header = (extra: Record<string, string | number>) => mockPlaneHeader(wcs, cfg, extra);
  const detBand = cfg.segmentation.band;
  const detThreshold = cfg.segmentation.thresholdSigma * sigmaNjy[detBand];
  const ids = galaxies.map((g) => g.id);
  const seg = await createFitsStripWriter(join(outDir, 'segmentation.fits'), W, H, header({ BUNIT: '', SEGBAND: detBand.toUpperCase(), SEGTHR: cfg.segmentation.thresholdSigma, COMMENT: 'galaxy ids (0 = background); catalogue ids of catalog.csv' }));
  const writers: FitsStripWriter[] = [seg];
  await withStripWriters(writers, async () => {
    const truthWriters = new Map<string, FitsStripWriter>();
    for (const t of TRUTH_MAPS) {
      const w = await createFitsStripWriter(join(outDir, `truth_${t.name}.fits`), W, H, header({ BUNIT: t.unit, TRUTHQ: t.name, COMMENT: t.description }));
      truthWriters.set(t.name, w);
      writers.push(w);
    }
    const segRows = new Int32Array(W * stripRows);
    const best = new Float64Array(W * stripRows);
    const acc = createTruthAccumulators(W * stripRows);
    for (let y0 = 0; y0 < H; y0 += stripRows) {
      const y1 = Math.min(H, y0 + stripRows);
      const n = (y1 - y0) * W;
      const segV = segRows.subarray(0, n);
      segmentationStrip(ids, detStamps, detThreshold, y0, y1, W, segV, best.subarray(0, n));
      const a = createTruthAccumulators(0);
      for (const k of Object.keys(acc) as (keyof typeof acc)[]) a[k] = acc[k].subarray(0, n);
      accumulateTruthStrip(galaxies, y0, y1, W, a);
      accumulateGalaxyTruthStrip(galaxies, stats, segV, a, y0, y1, W);
      await seg.writeRows(Float32Array.from(segV));
      const maps = truthMapsFromAccumulators(a);
      for (const t of TRUTH_MAPS) await truthWriters.get(t.name)!.writeRows(maps[t.name]);
    }
  });
  return ['segmentation.fits', ...TRUTH_MAPS.map((t) => `truth_${t.name}.fits`)];
}
