import { isAbsolute } from 'node:path';
import { ConfigError } from '@pixsed/core';
import { dataPath } from '@pixsed/core/node';
import { surveys, type Survey, type SurveyInput } from '@pixsed/surveys';
import type { FilterCurve } from '../filter-curve.js';
import { pivotWavelengthAngstrom } from '../pivot-wavelength.js';
import { loadFilterCurve } from './load-filter-curve.js';

/**
 * Default pivot check: |λ_p(survey) − λ_p(curve)| ≤ 2e-4 λ_p (1–10 Å over 0.4–5 µm). Survey pivots rounded to 1 Å
 * pass; a wrong curve does not (the closest JADES pair, F090W / F850LP, differs by 1.1e-3).
 */
export const PIVOT_RELATIVE_TOLERANCE = 2e-4;

/**
 * The band set of a survey (a built-in name such as `jades` / `hst`, or a definition): one filter curve per band in
 * the survey's order, read from its `filterFile` (relative to PIXSED_DATA_DIR or absolute) and named after the band.
 * Each curve's pivot wavelength (`pivotWavelengthAngstrom`) is checked against the survey's; a ConfigError lists
 * every band off by more than `pivotRelativeTolerance`, with both values and the file.
 */
export function loadSurveyFilters(survey: string | SurveyInput | Survey, opts: { pivotRelativeTolerance?: number } = {}): FilterCurve[] {
  const s = surveys.resolve(survey, typeof survey === 'string' ? undefined : `survey '${survey.name}'`);
  const tol = opts.pivotRelativeTolerance ?? PIVOT_RELATIVE_TOLERANCE;
  const issues: { path: string; message: string }[] = [];
  const curves = s.bands.map((b, i) => {
    const file = isAbsolute(b.filterFile) ? b.filterFile : dataPath(b.filterFile);
    const curve = loadFilterCurve(file, b.name);
    const pivot = pivotWavelengthAngstrom(curve);
    if (!(Math.abs(pivot - b.pivotWavelengthAngstrom) <= tol * pivot)) {
      issues.push({
        path: `bands[${i}].pivotWavelengthAngstrom`,
        message: `band ${b.name}: the survey says ${b.pivotWavelengthAngstrom} Å, the filter curve ${file} gives ${pivot.toFixed(1)} Å (tolerance ${tol} relative)`,
      });
    }
    return curve;
  });
  if (issues.length) throw new ConfigError(`survey '${s.name}'`, issues, 'survey');
  return curves;
}
