import { describe, expect, it } from 'vitest';
import { astropyUnit, catalogColumns, catalogCsvText, catalogEcsvText, float32Text, SEGMENT_REMOVAL_REASONS } from '../galaxy-catalog.js';

describe('galaxies catalogue (a step of openGalaxiesSink)', () => {
  const columns = catalogColumns({ bands: ['f444w'], reasons: ['NO_REDSHIFT', 'LOW_SNR'] });
  const names = columns.map((c) => c.name);

  it('rows by galaxy id; masked counts for every reason (0 where none) before the Σ flux columns; blanks for absent values', () => {
    const rows = [
      { galaxy_id: 2, z: 1, n_pixels_masked_NO_REDSHIFT: 3, flux_f444w_sum_njy: 5, n_pixels: 4 },
      { galaxy_id: 1, z: 0.5, n_pixels: 2, n_pixels_masked_LOW_SNR: 1 },
    ];
    const [head, ...lines] = catalogCsvText(columns, rows).trimEnd().split('\n');
    expect(head.split(',')).toEqual(names);
    const at = (line: string, c: string) => line.split(',')[names.indexOf(c)];
    expect(lines.map((l) => at(l, 'galaxy_id'))).toEqual(['1', '2']);
    expect(lines.map((l) => at(l, 'n_pixels_masked_LOW_SNR'))).toEqual(['1', '0']);
    expect(lines.map((l) => at(l, 'n_pixels_masked_NO_REDSHIFT'))).toEqual(['0', '3']);
    expect(lines.map((l) => at(l, 'flux_f444w_sum_njy'))).toEqual(['nan', '5']);
    expect(lines.map((l) => at(l, 'bands_incomplete'))).toEqual(['', '']);
    expect(names.indexOf('n_pixels_masked_LOW_SNR')).toBeLessThan(names.indexOf('flux_f444w_sum_njy'));
  });

  it('the layout does not depend on the data: every reason has a column, plug-in reasons appended sorted', () => {
    expect(catalogColumns({ bands: ['f444w'] }).map((c) => c.name)).toEqual(names);
    for (const r of SEGMENT_REMOVAL_REASONS) expect(names).toContain(`n_pixels_masked_${r}`);
    const more = catalogColumns({ bands: ['f444w'], reasons: ['ZZ_CUT', 'AA_CUT'] }).map((c) => c.name);
    expect(more.slice(more.indexOf('n_pixels_masked_LOW_SNR') + 1, more.indexOf('n_pixels_masked_LOW_SNR') + 3)).toEqual(['n_pixels_masked_AA_CUT', 'n_pixels_masked_ZZ_CUT']);
  });

  it('a model with a PPC emulator adds the integrated fit\'s ppc columns right after delta_log_mstar; without one, none', () => {
    const integrated = [{ name: 'log_mstar', unit: 'log10(Msun)' }];
    const names = catalogColumns({ bands: ['f444w'], integrated, integratedPpc: true }).map((c) => c.name);
    const i = names.indexOf('delta_log_mstar');
    expect(names.slice(i + 1, i + 3)).toEqual(['integrated_ppc_chi2', 'integrated_ppc_pvalue']);
    expect(catalogColumns({ bands: ['f444w'], integrated }).map((c) => c.name)).not.toContain('integrated_ppc_pvalue');
    expect(catalogColumns({ bands: ['f444w'], integratedPpc: true }).map((c) => c.name)).not.toContain('integrated_ppc_pvalue');
  });

  it('float32 values print at float32 precision: the float32 nearest 0.65 is 0.65, not 0.6499999761581421', () => {
    expect(float32Text(Math.fround(0.65))).toBe('0.65');
    expect(float32Text(Math.fround(1.2))).toBe('1.2');
    expect(Math.fround(Number(float32Text(Math.fround(Math.PI))))).toBe(Math.fround(Math.PI));
    expect(float32Text(NaN)).toBe('nan');
  });

  it('manifest units in astropy syntax', () => {
    expect(astropyUnit('log10(Msun)')).toBe('dex(solMass)');
    expect(astropyUnit('log10(Msun/yr)')).toBe('dex(solMass / yr)');
    expect(astropyUnit('mag')).toBe('mag');
    expect(astropyUnit('')).toBeUndefined();
  });

  it('ECSV: header lines start with "# ", the first is %ECSV 1.0, every column listed with its datatype; ASCII only', () => {
    const text = catalogEcsvText(columns, [{ galaxy_id: 1 }], { pixsed_version: '0.2.0', note: 'Σ' });
    const lines = text.split('\n');
    expect(lines[0]).toBe('# %ECSV 1.0');
    const header = lines.filter((l) => l.startsWith('#'));
    expect(header.filter((l) => l.startsWith('# - {')).length).toBe(columns.length);
    expect(/[^\x00-\x7f]/.test(text)).toBe(false);
    expect(lines[header.length].split(',')).toEqual(names);
  });
});
