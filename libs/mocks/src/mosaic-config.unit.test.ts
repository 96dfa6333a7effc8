import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixsed/core';
import { JADES_BANDS, DEFAULT_PSF_FWHM_ARCSEC } from './default-psf-fwhm.js';
import { parseMosaicConfig } from './mosaic-config.js';

const comp = { kind: 'disc', profile: { reArcsec: 0.3 }, logMstar: 9.5, sfh: { tauGyr: 3, ageGyr: 1 } };

describe('mosaic config', () => {
  it('fills defaults: 0.03″ pixels, all 19 JADES bands, F444W segmentation, seed 1', () => {
    const c = parseMosaicConfig({ widthPx: 64, heightPx: 32, galaxies: [{ xPx: 10, yPx: 10, z: 1, components: [comp] }] });
    expect(c.pixelScaleArcsec).toBe(0.03);
    expect(c.bands).toEqual([...JADES_BANDS]);
    expect(c.bands.every((b) => DEFAULT_PSF_FWHM_ARCSEC[b] > 0)).toBe(true);
    expect(c.segmentation.band).toBe('f444w');
    expect(c.galaxies[0].components[0].profile.sersicN).toBe(1);
    expect(c.galaxies[0].components[0].sfh.type).toBe('delayed-tau');
  });

  it('lists every bad path in one ConfigError', () => {
    let err: unknown;
    try {
      parseMosaicConfig(
        {
          widthPx: 64,
          heightPx: 64,
          bands: ['f444w', 'f999w'],
          galaxies: [
            { id: 1, xPx: 1, yPx: 1, raDeg: 53, decDeg: -27, z: 1, components: [comp] },
            { id: 1, xPx: 2, yPx: 2, z: 1, components: [comp] },
          ],
        },
        'mosaic.yaml',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['bands', 'galaxies[0]', 'galaxies[1].id']));
    expect((err as Error).message).toContain('mosaic.yaml');
  });

  it('rejects schema violations with their paths', () => {
    expect(() => parseMosaicConfig({ widthPx: 64, heightPx: 64, galaxies: [{ xPx: 1, yPx: 1, z: -1, components: [] }] })).toThrow(/galaxies\[0\]\.z/);
  });

  it('takes the band set and the detection band from the survey; names an unknown survey, foreign bands and missing PSFs', () => {
    const hst = parseMosaicConfig({ widthPx: 64, heightPx: 64, survey: 'hst', psf: { f105w: { fwhmArcsec: 0.15 }, f125w: { fwhmArcsec: 0.16 }, f140w: { fwhmArcsec: 0.17 }, f160w: { fwhmArcsec: 0.18 } } });
    expect(hst.bands).toEqual(['f435w', 'f606w', 'f775w', 'f814w', 'f850lp', 'f105w', 'f125w', 'f140w', 'f160w']);
    expect(hst.segmentation.band).toBe('f160w');
    const issues = (raw: unknown) => {
      try {
        parseMosaicConfig(raw, 'm.yaml');
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).issues;
      }
      throw new Error('expected a ConfigError');
    };
    expect(issues({ widthPx: 64, heightPx: 64, survey: 'euclid' })).toEqual([{ path: 'survey', message: "unknown survey 'euclid' (known: jades, hst)" }]);
    const bad = issues({ widthPx: 64, heightPx: 64, survey: 'hst', bands: ['f606w', 'f444w', 'f160w'] });
    expect(bad.map((i) => i.path)).toEqual(['bands', 'psf.f160w']);
    expect(bad[0].message).toMatch(/unknown band 'f444w' \(survey hst: f435w, .*f160w\)/);
    expect(bad[1].message).toBe('band f160w has no default PSF: give { fwhmArcsec } or { file }');
  });
});
