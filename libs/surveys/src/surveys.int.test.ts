import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dataPath, hasData, missingDataMessage } from '@pixsed/core/node';
import { hstSurvey, jadesSurvey } from './builtin-surveys.js';

const F = 'filters/jades-sbipix/filters_jades_no_wfc.dat';

/** Pivot wavelength λp² = ∫T λ dλ / ∫T/λ dλ (Tokunaga & Vacca 2005), trapezoid rule. */
function pivot(file: string): number {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => l.trim().split(/\s+/).map(Number));
  let a = 0;
  let b = 0;
  for (let i = 1; i < rows.length; i++) {
    const [l0, t0] = rows[i - 1];
    const [l1, t1] = rows[i];
    a += 0.5 * (t0 * l0 + t1 * l1) * (l1 - l0);
    b += 0.5 * (t0 / l0 + t1 / l1) * (l1 - l0);
  }
  return Math.sqrt(a / b);
}

describe.skipIf(!hasData(F))(hasData(F) ? 'survey band files against ../shared/data' : missingDataMessage(F), () => {
  it('JADES band order equals filters_jades_no_wfc.dat', () => {
    const order = readFileSync(dataPath(F), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('/').pop());
    expect(jadesSurvey.bands.map((b) => b.filterFile.split('/').pop())).toEqual(order);
  });

  it('every filter file exists and the stated pivot wavelength matches it to 0.1 Å', () => {
    for (const b of [...jadesSurvey.bands, ...hstSurvey.bands]) {
      expect(Math.abs(pivot(dataPath(b.filterFile)) - b.pivotWavelengthAngstrom), b.name).toBeLessThan(0.1);
    }
  });
});
