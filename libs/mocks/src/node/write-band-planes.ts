import { join } from 'node:path';
import { createFitsStripWriter, type FitsStripWriter } from '@pixsed/fits/node';
import { createPrng } from '@pixsed/simulator';
import { addStampToStrip, stampOverlapsRows } from '../galaxy-band-stamp.js';
import { accumulateFootprintFlux, setImageFlux, type GalaxyTruthStats } from '../galaxy-truth-stats.js';
import type { MosaicConfig } from '../mosaic-config.js';
import { segmentationStrip } from '../segmentation-strip.js';
import type { Stamp } from '../sersic-profile.js';
import { mockPlaneHeader, type MockMosaicSetup } from './mock-mosaic-setup.js';
import { withStripWriters } from './strip-writers.js';

/** File name of a band plane in a mock mosaic. */
export const mockPlaneFile = (band: string, plane: 'sci' | 'err' | 'model'): string => `${band}_${plane}.fits`;

/**
 * Write band `bi`'s `<band>_sci.fits` (Σ PSF-convolved galaxy `stamps` + N(0, σ) from the PRNG stream `noiseSeed`),
 * `<band>_err.fits` (σ) and, with writeNoiseless, `<band>_model.fits`, strip by strip; adds the footprint and
 * in-image fluxes of the band to `stats` (`detStamps` rebuild the segmentation per strip). Returns the file names.
 */
export async function writeBandPlanes(cfg: MosaicConfig, outDir: string, setup: MockMosaicSetup, bi: number, stamps: Stamp[], detStamps: Stamp[], stats: GalaxyTruthStats[], noiseSeed: number): Promise<string[]> {
  const { widthPx: W, heightPx: H, stripRows } = cfg;
  const { wcs, galaxies, sigmaNjy } = setup;
  const b = cfg.bands[bi];
  const { desc } = setup.psfs.get(b)!;
  const sigma = sigmaNjy[b];
  const prng = createPrng(noiseSeed);
  const hdr = (plane: string, unitNote: string) =>
    mockPlaneHeader(wcs, cfg, {
      BUNIT: 'nJy',
      FILTER: b.toUpperCase(),
      EXTNAME: plane,
      PSFTYPE: String(desc.type),
      ...(desc.type === 'gaussian' ? { PSFFWHM: desc.fwhmArcsec as number } : { PSFFILE: String(desc.file) }),
      NOISE1S: sigma,
      COMMENT: unitNote,
    });
  const sci = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'sci')), W, H, hdr('SCI', 'flux density per pixel [nJy]; model + N(0, NOISE1S)'));
  const err = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'err')), W, H, hdr('ERR', '1-sigma error per pixel [nJy]'));
  const writers: FitsStripWriter[] = [sci, err];
  let model: FitsStripWriter | undefined;
  if (cfg.writeNoiseless) {
    model = await createFitsStripWriter(join(outDir, mockPlaneFile(b, 'model')), W, H, hdr('MODEL', 'noiseless PSF-convolved model [nJy]'));
    writers.push(model);
  }
  const ids = galaxies.map((g) => g.id);
  const detThreshold = cfg.segmentation.thresholdSigma * sigmaNjy[cfg.segmentation.band];
  await withStripWriters(writers, async () => {
    const segRows = new Int32Array(W * stripRows);
    const best = new Float64Array(W * stripRows);
    const acc = new Float64Array(W * stripRows);
    const errRow = new Float32Array(W * stripRows).fill(cfg.noise ? sigma : 0);
    for (let y0 = 0; y0 < H; y0 += stripRows) {
      const y1 = Math.min(H, y0 + stripRows);
      const n = (y1 - y0) * W;
      const m = acc.subarray(0, n);
      m.fill(0);
      for (const st of stamps) if (stampOverlapsRows(st, y0, y1)) addStampToStrip(st, 1, y0, y1, W, m);
      const segV = segRows.subarray(0, n);
      segmentationStrip(ids, detStamps, detThreshold, y0, y1, W, segV, best.subarray(0, n));
      accumulateFootprintFlux(galaxies, stats, segV, m, bi);
      const out = new Float32Array(n);
      if (cfg.noise) for (let k = 0; k < n; k++) out[k] = m[k] + sigma * prng.normal();
      else for (let k = 0; k < n; k++) out[k] = m[k];
      await sci.writeRows(out);
      await err.writeRows(errRow.subarray(0, n));
      if (model) await model.writeRows(Float32Array.from(m));
    }
  });
  setImageFlux(galaxies, stats, bi);
  return [mockPlaneFile(b, 'sci'), mockPlaneFile(b, 'err'), ...(model ? [mockPlaneFile(b, 'model')] : [])];
}
