import { describe, expect, it } from 'vitest';
import type { MockGalaxy } from './build-mock-galaxies.js';
import { addStampToStrip } from './galaxy-band-stamp.js';
import { accumulateFootprintFlux, accumulateGalaxyTruthStrip, createGalaxyTruthStats, setImageFlux } from './galaxy-truth-stats.js';
import { mockCatalogCsv } from './mock-catalog-csv.js';
import { mockTruthJson } from './mock-truth-json.js';
import { parseMosaicConfig } from './mosaic-config.js';
import { segmentationStrip } from './segmentation-strip.js';
import type { Stamp } from './sersic-profile.js';
import { stampStripWindow } from './stamp-strip-window.js';
import { createTruthAccumulators } from './truth-maps.js';

const stamp = (x0: number, y0: number, width: number, height: number, values: number[]): Stamp => ({ x0, y0, width, height, data: Float64Array.from(values) });

describe('stampStripWindow', () => {
  it('clips a 3×3 stamp at (−1, 1) to a 4-column strip of rows [2, 5): rows 1–2, columns 1–2, first pixel at (0, 2)', () => {
    expect(stampStripWindow(stamp(-1, 1, 3, 3, Array(9).fill(1)), 2, 5, 4)).toEqual({ ja: 1, jb: 3, ia: 1, ib: 3, rowStart: (1 + 1 - 2) * 4 - 1 });
  });
  it('addStampToStrip puts stamp pixel (i, j) at strip index (y0s + j − y0) × width + x0s + i', () => {
    const out = new Float64Array(4 * 3);
    addStampToStrip(stamp(2, 1, 3, 2, [1, 2, 3, 4, 5, 6]), 10, 0, 3, 4, out);
    // row 1: x = 2, 3 (x = 4 clipped); row 2: same
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0, 10, 20, 0, 0, 40, 50]);
  });
});

describe('segmentationStrip', () => {
  // two overlapping 1-row stamps on a 5-pixel strip: the brighter galaxy wins each pixel above the threshold
  const a = stamp(0, 0, 3, 1, [5, 3, 1]);
  const b = stamp(1, 0, 4, 1, [2, 4, 0.5, 9]);
  it('brightest own stamp above threshold; 0 below it; ties keep the first galaxy', () => {
    const out = new Int32Array(5);
    segmentationStrip([7, 8], [a, b], 1, 0, 1, 5, out, new Float64Array(5));
    expect([...out]).toEqual([7, 7, 8, 0, 8]);
    segmentationStrip([7, 8], [stamp(0, 0, 1, 1, [2]), stamp(0, 0, 1, 1, [2])], 1, 0, 1, 5, out, new Float64Array(5));
    expect(out[0]).toBe(7);
  });
  it('a stamp outside the strip rows leaves it empty', () => {
    const out = new Int32Array(5).fill(3);
    segmentationStrip([7], [stamp(0, 4, 3, 1, [5, 5, 5])], 1, 0, 2, 5, out, new Float64Array(5));
    expect([...out]).toEqual([0, 0, 0, 0, 0]);
  });
});

/** A galaxy with one component of the given weight stamp and per-band fluxes. */
const galaxy = (id: number, s: Stamp, fluxNjy: number[], massMsun = 1e9): MockGalaxy =>
  ({
    id,
    z: 1.23456,
    xPx: 1,
    yPx: 0,
    raDeg: 53.123456789,
    decDeg: -27.5,
    spec: {} as never,
    components: [{ spec: { kind: 'disc', profile: {}, sfh: {}, logMstar: 9 } as never, xPx: 1, yPx: 0, stamp: s, pop: { massMsun, formedMassMsun: massMsun, sfr100MsunPerYr: 2, ageMwYr: 1e9, metallicity: 0, avMag: 0.5, fluxNjy: Float64Array.from(fluxNjy) } }],
  }) as MockGalaxy;

describe('galaxy truth stats (hand case)', () => {
  // weights 0.5, 0.3 in the image and 0.2 beyond the right edge (x = 3 of a 3-pixel strip)
  const g = galaxy(4, stamp(1, 0, 3, 1, [0.5, 0.3, 0.2]), [10, 100]);
  it('fractions in image / footprint, footprint pixels, mass and SFR, footprint and image fluxes', () => {
    const stats = createGalaxyTruthStats([g], 2);
    const seg = Int32Array.from([0, 4, 0]);
    const acc = createTruthAccumulators(3);
    acc.massMsun.set([1, 7, 3]);
    acc.sfrMsunPerYr.set([0, 0.25, 9]);
    accumulateGalaxyTruthStrip([g], stats, seg, acc, 0, 1, 3);
    expect(stats[0].footprintPixels).toBe(1);
    expect(stats[0].footprintMassMsun).toBe(7);
    expect(stats[0].footprintSfr).toBe(0.25);
    expect(stats[0].compInImage[0]).toBeCloseTo(0.8, 15);
    expect(stats[0].compInFootprint[0]).toBe(0.5);
    accumulateFootprintFlux([g], stats, seg, Float64Array.from([5, 6, 7]), 1);
    expect([...stats[0].fluxFootprint]).toEqual([0, 6]);
    setImageFlux([g], stats, 1);
    expect(stats[0].fluxImage[1]).toBeCloseTo(80, 12);
  });
  it('truth.json rounds to 7 digits and derives log masses from the stats', () => {
    const stats = createGalaxyTruthStats([g], 2);
    stats[0].compInImage[0] = 0.8;
    stats[0].footprintMassMsun = 7e8;
    const cfg = parseMosaicConfig({ widthPx: 8, heightPx: 8, bands: ['f150w', 'f444w'] });
    const t = mockTruthJson(cfg, [g], stats, { f150w: 1 / 3, f444w: 2 }, new Map([['f150w', { desc: { type: 'gaussian' } }], ['f444w', { desc: { type: 'gaussian' } }]]), '9.9.9');
    expect(t.generator).toBe('pixsed mocks 9.9.9');
    expect(t.sigmaNjy.f150w).toBe(0.3333333);
    const j = t.galaxies[0];
    expect(j.log_mstar_total).toBe(9);
    expect(j.log_mstar_image).toBe(Number(Math.log10(8e8).toPrecision(7)));
    expect(j.log_mstar_footprint).toBe(Number(Math.log10(7e8).toPrecision(7)));
    expect(j.flux_total_njy).toEqual({ f150w: 10, f444w: 100 });
    expect(j.raDeg).toBe(53.12345679);
  });
  it('catalog.csv: id,ra,dec,z with 8 and 4 decimals', () => {
    expect(mockCatalogCsv([g])).toBe('id,ra,dec,z\n4,53.12345679,-27.50000000,1.2346\n');
  });
});
