import { describe, expect, it } from 'vitest';
import { catalogCsv } from './galaxies-sink.js';

describe('galaxies catalogue CSV (a step of openGalaxiesSink)', () => {
  it('rows by galaxy id; masked counts by reason (sorted, 0 where none) before the Σ flux columns; blanks for absent values', () => {
    const rows = [
      { galaxy_id: 2, z: 1, n_pixels_masked_NO_REDSHIFT: 3, flux_f444w_sum_njy: 5, n_pixels: 4 },
      { galaxy_id: 1, z: 0.5, n_pixels: 2, n_pixels_masked_LOW_SNR: 1 },
    ];
    expect(catalogCsv(rows, new Set(['NO_REDSHIFT', 'LOW_SNR']))).toBe(
      ['galaxy_id,z,n_pixels,n_pixels_masked_LOW_SNR,n_pixels_masked_NO_REDSHIFT,flux_f444w_sum_njy', '1,0.5,2,1,0,', '2,1,4,0,3,5', ''].join('\n'),
    );
  });
});
