import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { CalibrationPoints, CalibrationReport } from '../calibrate-posterior.js';
import { renderVegaLitePng } from '@pixsed/plots/node';

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const W = 220;

/** Predicted (posterior median) vs true per parameter, with the 1:1 line and R²/bias/NMAD in the title. */
export function predVsTrueSpec(report: CalibrationReport, points: CalibrationPoints[], maxPoints = 5000): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Posterior median vs truth (n = ${report.n})`,
    hconcat: points.map((p, d) => {
      const m = report.parameters[d];
      const step = Math.max(1, Math.ceil(p.truth.length / maxPoints));
      const values = [];
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < p.truth.length; i += step) {
        values.push({ t: p.truth[i], m: p.median[i] });
        lo = Math.min(lo, p.truth[i], p.median[i]);
        hi = Math.max(hi, p.truth[i], p.median[i]);
      }
      const scale = { domain: [lo, hi], zero: false, nice: false };
      return {
        width: W,
        height: W,
        title: { text: p.name, subtitle: `R² ${fmt(m.r2)}  bias ${fmt(m.bias)}  NMAD ${fmt(m.scatterNmad)}  out ${fmt(m.outlierFraction)}`, fontSize: 12, subtitleFontSize: 9 },
        layer: [
          {
            data: { values },
            mark: { type: 'circle', size: 6, opacity: 0.35, color: '#1f77b4' },
            encoding: { x: { field: 't', type: 'quantitative', title: `true ${p.name}`, scale }, y: { field: 'm', type: 'quantitative', title: `predicted ${p.name}`, scale } },
          },
          {
            data: { values: [{ t: lo, m: lo }, { t: hi, m: hi }] },
            mark: { type: 'line', color: '#d62728', strokeDash: [4, 3] },
            encoding: { x: { field: 't', type: 'quantitative', scale }, y: { field: 'm', type: 'quantitative', scale } },
          },
        ],
      };
    }),
  } as TopLevelSpec;
}

/** TARP expected coverage per parameter and joint (left), central-interval coverage (right), with the diagonal. */
export function coverageSpec(report: CalibrationReport): TopLevelSpec {
  const tarp = [...report.parameters.map((p) => ({ name: p.name, t: p.tarp })), { name: 'joint', t: report.jointTarp }].flatMap(({ name, t }) =>
    t.alpha.map((a, k) => ({ series: `${name} (ATC ${fmt(t.atc, 4)})`, alpha: a, ecp: t.ecp[k] })),
  );
  const central = report.parameters.flatMap((p) =>
    [{ l: 0, c: 0 }, ...p.coverageCurve.levels.map((l, k) => ({ l, c: p.coverageCurve.coverage[k] })), { l: 1, c: 1 }].map(({ l, c }) => ({
      series: `${p.name} (68%: ${fmt(p.coverage68, 2)}, 95%: ${fmt(p.coverage95, 2)})`,
      level: l,
      coverage: c,
    })),
  );
  const diag = { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: 'black', strokeDash: [4, 3] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } };
  const unit = { domain: [0, 1] };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Calibration (n = ${report.n}, ${report.samplesPerObject} samples/object)`,
    hconcat: [
      {
        width: 300,
        height: 300,
        title: 'TARP expected coverage (Lemos et al. 2023)',
        layer: [
          diag,
          {
            data: { values: tarp },
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: { field: 'alpha', type: 'quantitative', title: 'credibility level α', scale: unit },
              y: { field: 'ecp', type: 'quantitative', title: 'expected coverage', scale: unit },
              color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom-right', labelFontSize: 8, labelLimit: 400 } },
            },
          },
        ],
      },
      {
        width: 300,
        height: 300,
        title: 'Central-interval coverage',
        layer: [
          diag,
          {
            data: { values: central },
            mark: { type: 'line', point: { size: 12 }, strokeWidth: 1.2 },
            encoding: {
              x: { field: 'level', type: 'quantitative', title: 'nominal credibility', scale: unit },
              y: { field: 'coverage', type: 'quantitative', title: 'fraction of truths inside', scale: unit },
              color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom-right', labelFontSize: 8, labelLimit: 400 } },
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

/** SBC rank histograms per parameter: counts, expected count and its 99 % binomial band, χ² p-value in the title. */
export function sbcSpec(report: CalibrationReport): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `SBC rank histograms (Talts et al. 2018; ${report.samplesPerObject} samples/object)`,
    hconcat: report.parameters.map((p) => {
      const { histogram, expected, bins } = p.sbc;
      const values = histogram.map((c, b) => {
        const e = expected[b];
        const half = 2.576 * Math.sqrt(e * (1 - e / report.n));
        return { bin: b, count: c, e, lo: e - half, hi: e + half };
      });
      return {
        width: W,
        height: 160,
        title: { text: p.name, subtitle: `χ² ${fmt(p.sbc.chi2, 1)} (${p.sbc.dof} dof), p = ${p.sbc.pValue.toExponential(2)}`, fontSize: 12, subtitleFontSize: 9 },
        data: { values },
        layer: [
          { mark: { type: 'bar', color: '#7f7f7f' }, encoding: { x: { field: 'bin', type: 'ordinal', title: `rank bin (of ${bins})`, axis: { labelFontSize: 7 } }, y: { field: 'count', type: 'quantitative', title: 'objects' } } },
          { mark: { type: 'tick', color: '#d62728', thickness: 1.5 }, encoding: { x: { field: 'bin', type: 'ordinal' }, y: { field: 'e', type: 'quantitative' } } },
          { mark: { type: 'rule', color: '#d62728', opacity: 0.5 }, encoding: { x: { field: 'bin', type: 'ordinal' }, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
        ],
      };
    }),
  } as TopLevelSpec;
}

/** Write pred_vs_true.png, coverage.png and sbc.png (and their Vega-Lite specs) to `outDir`; returns the PNG paths. */
export async function writeValidationPlots(result: { report: CalibrationReport; points: CalibrationPoints[] }, outDir: string): Promise<string[]> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const plots: [string, TopLevelSpec][] = [
    ['pred_vs_true', predVsTrueSpec(result.report, result.points)],
    ['coverage', coverageSpec(result.report)],
    ['sbc', sbcSpec(result.report)],
  ];
  const written: string[] = [];
  for (const [name, spec] of plots) {
    const { png } = await renderVegaLitePng(spec);
    const file = join(dir, `${name}.png`);
    await writeFile(file, png);
    written.push(file);
  }
  return written;
}
