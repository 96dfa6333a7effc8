import { describe, expect, it } from 'vitest';
import { spsLabel } from './model-manifest.js';

describe('spsLabel: the SPS a model was trained on, as every output names it', () => {
  it('a manifest without sps was trained on Maraston (2005), and says why the block is missing', () => {
    expect(spsLabel({})).toMatch(/^maraston05 \(manifest without sps/);
  });
  it('one library is its id; a mixture lists each library with its weight', () => {
    const cosmology = { h0KmSMpc: 67.66, omegaM: 0.3097 };
    expect(spsLabel({ sps: { libraries: [{ library: 'bc03-miles', weight: 1 }], cosmology } })).toBe('bc03-miles');
    expect(spsLabel({ sps: { libraries: [{ library: 'maraston05', weight: 0.5 }, { library: 'bc03-miles', weight: 0.5 }], cosmology } })).toBe('mixture(maraston05 0.5, bc03-miles 0.5)');
    expect(spsLabel({ sps: { libraries: [{ library: 'maraston05', weight: 2 / 3 }, { library: 'bc03-miles', weight: 1 / 3 }], cosmology } })).toBe('mixture(maraston05 0.667, bc03-miles 0.333)');
  });
});
