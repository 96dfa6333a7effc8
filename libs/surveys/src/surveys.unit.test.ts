import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixsed/core';
import { parseSurvey, SurveyRegistry } from './survey-registry.js';
import { planeFileName } from './survey-schema.js';

describe('survey plug-ins', () => {
  const reg = new SurveyRegistry();

  it('JADES has the 19 bands of the paper in file order, F444W target and F277W/F356W/F444W S/N bands', () => {
    const j = reg.resolve('jades');
    expect(j.bands.map((b) => b.name).join(' ')).toBe(
      'f090w f115w f150w f182m f200w f210m f277w f335m f356w f410m f430m f444w f460m f480m f435w f606w f775w f814w f850lp',
    );
    expect(j.targetPsfBand).toBe('f444w');
    expect(j.snrBands).toEqual(['f277w', 'f356w', 'f444w']);
  });

  it('a user-defined survey validates without code; mistakes name the path', () => {
    const mine = reg.resolve({
      name: 'my-survey',
      bands: [
        { name: 'f105w', instrument: 'WFC3/IR', filterFile: 'x.dat', pivotWavelengthAngstrom: 10550 },
        { name: 'f160w', instrument: 'WFC3/IR', filterFile: 'y.dat', pivotWavelengthAngstrom: 15370 },
      ],
      targetPsfBand: 'f160w',
      snrBands: ['f160w'],
      files: { sci: { pattern: '{band}.fits' } },
    });
    expect(mine.files.errorKind).toBe('ERR');
    try {
      parseSurvey({ ...mine, targetPsfBand: 'f444w', bands: [{ ...mine.bands[0], pivotWavelengthAngstrom: -1 }, mine.bands[1]] }, 'p.yaml');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toContain('p.yaml');
      expect(msg).toMatch(/bands\[0\]\.pivotWavelengthAngstrom/);
      expect(msg).toMatch(/targetPsfBand: 'f444w' is not one of the survey bands/);
    }
  });

  it('unknown survey names list the known ones', () => {
    expect(() => reg.resolve('euclid')).toThrow(/unknown survey 'euclid' \(known: jades, hst\)/);
  });

  it('fills band placeholders', () => {
    expect(planeFileName('a_{band}_{BAND}.fits', 'F444W')).toBe('a_f444w_F444W.fits');
  });
});
