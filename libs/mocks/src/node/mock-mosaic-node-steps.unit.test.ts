import { describe, expect, it } from 'vitest';
import type { FitsStripWriter } from '@pixsed/fits/node';
import type { NoiseTables } from '@pixsed/simulator';
import { parseMosaicConfig } from '../mosaic-config.js';
import { bandSigmaNjy, mockMosaicWcs, mockPlaneHeader } from './mock-mosaic-setup.js';
import { withStripWriters } from './strip-writers.js';

const cfg = parseMosaicConfig({ widthPx: 101, heightPx: 51, pixelScaleArcsec: 0.06, bands: ['f150w', 'f444w'], depthScale: 2, depthScalePerBand: { f444w: 3 }, seed: 42 });

describe('mock mosaic setup steps', () => {
  it('WCS: centre pixel ((W−1)/2, (H−1)/2) at CRVAL, one pixel east = −0.06″ in RA·cos δ', () => {
    const w = mockMosaicWcs(cfg);
    const [ra, dec] = w.pixelToWorld(50, 25);
    expect(ra).toBeCloseTo(53.16, 10);
    expect(dec).toBeCloseTo(-27.78, 10);
    const [ra1] = w.pixelToWorld(51, 25);
    expect((ra1 - ra) * Math.cos((dec * Math.PI) / 180) * 3600).toBeCloseTo(-0.06, 6);
    const h = mockPlaneHeader(w, cfg, { BUNIT: 'nJy' });
    expect([h.BUNIT, h.ORIGIN, h.MOCKSEED]).toEqual(['nJy', 'pixsed mocks', 42]);
  });
  it('σ = depth × depthScale × depthScalePerBand; a band without a depth is named with its config key', () => {
    const noise = { bands: ['f444w', 'f150w'], depth1SigmaNjy: Float64Array.from([5, 7]) } as NoiseTables;
    expect(bandSigmaNjy(cfg, noise)).toEqual({ f150w: 14, f444w: 30 });
    expect(() => bandSigmaNjy(cfg, { ...noise, bands: ['f444w'] })).toThrow(/depthNjyPerBand\.f150w: band f150w has no JADES noise statistics/);
    // depthNjyPerBand supplies (or overrides) a band's depth
    expect(bandSigmaNjy({ ...cfg, depthNjyPerBand: { f150w: 1.5 } }, { ...noise, bands: ['f444w'] })).toEqual({ f150w: 3, f444w: 30 });
  });
});

describe('withStripWriters', () => {
  const fake = (log: string[], name: string) => ({ close: async () => void log.push(`close ${name}`), abort: async () => void log.push(`abort ${name}`) }) as unknown as FitsStripWriter;
  it('closes every writer after success and aborts every writer (then rethrows) on failure', async () => {
    const log: string[] = [];
    expect(await withStripWriters([fake(log, 'a'), fake(log, 'b')], async () => 3)).toBe(3);
    await expect(withStripWriters([fake(log, 'c'), fake(log, 'd')], async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    expect(log).toEqual(['close a', 'close b', 'abort c', 'abort d']);
  });
});
