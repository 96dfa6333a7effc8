import { describe, expect, it } from 'vitest';
import { BandSums, integratedPhotometry } from './integrated-photometry.js';

describe('BandSums / integratedPhotometry', () => {
  it('Σ flux and the quadrature σ per band over the pixels where the band is valid; incomplete bands become NaN for the fit', () => {
    // 3 pixels × 2 bands; band b has a NaN flux at pixel 1 and σ = 0 at pixel 2 (both invalid)
    const flux = [Float32Array.of(1, 2, 3), Float32Array.of(10, NaN, 30)];
    const err = [Float32Array.of(0.3, 0.4, 1.2), Float32Array.of(1, 1, 0)];
    const s = new BandSums(2);
    for (let i = 0; i < 3; i++) s.add(flux, err, i);
    const r = s.result(['a', 'b']);
    expect(r.nPixels).toBe(3);
    expect(r.fluxSum).toEqual({ a: 6, b: 10 });
    expect(r.fluxSumErr.a).toBeCloseTo(Math.sqrt(0.09 + 0.16 + 1.44), 6); // 1.3
    expect(r.fluxSumErr.b).toBeCloseTo(1, 6);
    expect(r.fluxSumPixels).toEqual({ a: 3, b: 1 });
    expect(r.incompleteBands).toEqual(['b']);
    const p = integratedPhotometry(r, ['b', 'a', 'c']);
    expect(p.flux).toEqual([[NaN], [6], [NaN]]);
    expect(p.err[1][0]).toBeCloseTo(1.3, 6);
    expect(new BandSums(1).result(['a']).fluxSum.a).toBeNaN();
  });
});
