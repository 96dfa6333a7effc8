import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, DataFileError } from '@pixsed/core';
import { dataPath, hasData, missingDataMessage, repoRoot } from '@pixsed/core/node';
import { hstSurvey, jadesSurvey, type SurveyInput } from '@pixsed/surveys';
import { bandNameFromFile, loadFilterSet } from './load-filter-curve.js';
import { loadSurveyFilters, PIVOT_RELATIVE_TOLERANCE } from './load-survey-filters.js';

/** The band order every shipped model was trained on (and the noise tables use). */
const JADES_19 = ['f090w', 'f115w', 'f150w', 'f182m', 'f200w', 'f210m', 'f277w', 'f335m', 'f356w', 'f410m', 'f430m', 'f444w', 'f460m', 'f480m', 'f435w', 'f606w', 'f775w', 'f814w', 'f850lp'];

describe('the JADES band order (no reference data needed)', () => {
  it('the jades survey definition lists the 19 bands in the order of every shipped model manifest', () => {
    expect(jadesSurvey.bands.map((b) => b.name)).toEqual(JADES_19);
    const models = join(repoRoot(), 'test-data', 'models');
    // posterior models (an image model, kind tile-model, takes a band subset as input channels: libs/tile-model)
    const dirs = readdirSync(models).filter((d) => JSON.parse(readFileSync(join(models, d, 'manifest.json'), 'utf8')).kind !== 'tile-model');
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) expect(JSON.parse(readFileSync(join(models, d, 'manifest.json'), 'utf8')).bands, d).toEqual(JADES_19);
  });
});

const LIST = 'filters/jades-sbipix/filters_jades_no_wfc.dat';
const NEED = [LIST, ...new Set([...jadesSurvey.bands, ...hstSurvey.bands].map((b) => b.filterFile))];
const ready = hasData(...NEED);

describe.skipIf(!ready)(ready ? 'loadSurveyFilters (survey definition → filter curves)' : missingDataMessage(LIST, 'the jades and hst filterFile curves (filters/jades-sbipix/*.dat)'), () => {
  it('jades: the 19 bands in the order of filters_jades_no_wfc.dat, the same curves as loadFilterSet("jades")', () => {
    const listed = readFileSync(dataPath(LIST), 'latin1').split('\n').map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
    const curves = loadSurveyFilters('jades');
    expect(curves.map((c) => c.name)).toEqual(listed.map((e) => bandNameFromFile(e)));
    expect(curves.map((c) => c.name)).toEqual(JADES_19);
    expect(jadesSurvey.bands.map((b) => basename(b.filterFile))).toEqual(listed.map((e) => basename(e)));
    const old = loadFilterSet('jades');
    curves.forEach((c, i) => {
      expect(c.wavelengthAngstrom).toEqual(old[i].wavelengthAngstrom);
      expect(c.throughput).toEqual(old[i].throughput);
    });
  });

  it('hst: 5 ACS + 4 WFC3/IR bands in the survey order', () => {
    expect(loadSurveyFilters('hst').map((c) => c.name)).toEqual(['f435w', 'f606w', 'f775w', 'f814w', 'f850lp', 'f105w', 'f125w', 'f140w', 'f160w']);
  });

  it('a survey pivot off by more than the tolerance names the band, both values and the file; every bad band is listed', () => {
    const bad: SurveyInput = {
      ...jadesSurvey,
      name: 'swapped',
      // F850LP's pivot on F090W (1.1e-3 apart) and 1 % off on F444W; F150W off by 1.5e-4 (inside the tolerance)
      bands: jadesSurvey.bands.map((b) =>
        b.name === 'f090w' ? { ...b, pivotWavelengthAngstrom: 9031.5 } : b.name === 'f444w' ? { ...b, pivotWavelengthAngstrom: 44482 } : b.name === 'f150w' ? { ...b, pivotWavelengthAngstrom: 15009.65 } : b,
      ),
    };
    expect(PIVOT_RELATIVE_TOLERANCE).toBe(2e-4);
    let err: unknown;
    try {
      loadSurveyFilters(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues;
    expect(issues.map((i) => i.path)).toEqual(['bands[0].pivotWavelengthAngstrom', 'bands[11].pivotWavelengthAngstrom']);
    expect(issues[0].message).toMatch(/band f090w: the survey says 9031\.5 Å, the filter curve .*JWST_F090W\.dat\.txt gives 902[01]\.\d Å/);
    expect(issues[1].message).toMatch(/band f444w: the survey says 44482 Å, .* gives 4404[12]\.\d Å/);
    expect((err as Error).message).toContain("survey 'swapped'");
  });

  it('a missing filter file is a DataFileError naming it; an absolute filterFile is used as is', () => {
    const one = (filterFile: string): SurveyInput => ({ ...jadesSurvey, name: 'one', bands: [{ ...jadesSurvey.bands[11], filterFile }], targetPsfBand: 'f444w', snrBands: ['f444w'] });
    expect(() => loadSurveyFilters(one('filters/nope/F444W.dat'))).toThrow(DataFileError);
    expect(() => loadSurveyFilters(one('filters/nope/F444W.dat'))).toThrow(/filters\/nope\/F444W\.dat/);
    expect(loadSurveyFilters(one(dataPath(jadesSurvey.bands[11].filterFile))).map((c) => c.name)).toEqual(['f444w']);
  });
});
