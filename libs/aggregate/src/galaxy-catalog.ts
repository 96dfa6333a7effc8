import { STANDARD_FLAGS } from '@pixsed/core';

/** One column of the galaxy catalogue: name (unit in the name where it has one), type, astropy unit string, meaning. */
export interface CatalogColumn {
  name: string;
  type: 'int64' | 'float32' | 'float64' | 'string';
  /** astropy / FITS unit string (`nJy`, `deg`, `dex(solMass)`); none for dimensionless quantities and counts */
  unit?: string;
  description: string;
}

/** One row of the galaxy catalogue: column → value (absent = missing). */
export type GalaxyCatalogRow = Record<string, number | string>;

/**
 * Reasons a pixel of a galaxy's segment can be removed (the snr-mask stage's, in its priority order): the
 * catalogue has an `n_pixels_masked_<REASON>` column for each, always, so that its layout does not depend on the data.
 */
export const SEGMENT_REMOVAL_REASONS = ['NO_REDSHIFT', 'NONFINITE_FLUX', 'BAD_ERROR', 'LOW_SNR'] as const;

/** A manifest unit (`log10(Msun)`, `log10(Msun/yr)`, `dex`, `mag`) in astropy's unit syntax (`dex(solMass)`, `dex(solMass / yr)`). */
export function astropyUnit(unit: string | undefined): string | undefined {
  if (!unit) return undefined;
  const solar = (u: string) =>
    u
      .replace(/\bMsun\b/g, 'solMass')
      .replace(/\bLsun\b/g, 'solLum')
      .replace(/\s*\/\s*/g, ' / ');
  const log = /^log10?\((.+)\)$/.exec(unit.trim());
  return log ? `dex(${solar(log[1])})` : solar(unit.trim());
}

const pct = { p16: '16th percentile', p50: 'median', p84: '84th percentile' } as const;

/**
 * The catalogue's columns in their fixed, documented order (libs/aggregate/README.md): identity and position,
 * pixel counts (one `n_pixels_masked_<REASON>` per reason), footprint, Σ pixel M* and SFR, the integrated fit
 * (when a model is set), Δ, and per band Σ flux, its error and its pixel count. `reasons` beyond
 * SEGMENT_REMOVAL_REASONS (a plug-in's) are appended, sorted.
 */
export function catalogColumns(opts: {
  bands: string[];
  /** the integrated-fit model's parameters with their manifest units (none: no integrated columns) */
  integrated?: { name: string; unit: string }[];
  /** removal reasons seen in the run (a plug-in's beyond SEGMENT_REMOVAL_REASONS get a column too) */
  reasons?: Iterable<string>;
  centroidBand?: string;
  flagDescriptions?: Record<string, string>;
  /** the integrated-fit model has a PPC emulator: posterior-predictive columns of the integrated fit */
  integratedPpc?: boolean;
}): CatalogColumn[] {
  const describe = (r: string) => opts.flagDescriptions?.[r] ?? STANDARD_FLAGS.find((f) => f.name === r)?.description ?? r;
  const extra = [...new Set(opts.reasons ?? [])].filter((r) => !(SEGMENT_REMOVAL_REASONS as readonly string[]).includes(r)).sort();
  const cb = opts.centroidBand ?? 'the centroid band';
  const cols: CatalogColumn[] = [
    { name: 'galaxy_id', type: 'int64', description: 'segmentation id of the galaxy (the input catalogue id)' },
    { name: 'ra_deg', type: 'float64', unit: 'deg', description: `right ascension: the input catalogue's, else the mosaic WCS at the ${cb}-flux-weighted centroid of the kept pixels (radec_source)` },
    { name: 'dec_deg', type: 'float64', unit: 'deg', description: `declination: the input catalogue's, else the mosaic WCS at the ${cb}-flux-weighted centroid of the kept pixels (radec_source)` },
    { name: 'radec_source', type: 'string', description: "where ra_deg, dec_deg come from: 'catalog' (input catalogue) or 'centroid' (WCS of the centroid)" },
    { name: 'x_centroid_pix', type: 'float32', unit: 'pix', description: `${cb}-flux-weighted centroid, 0-based mosaic column (FITS x − 1)` },
    { name: 'y_centroid_pix', type: 'float32', unit: 'pix', description: `${cb}-flux-weighted centroid, 0-based mosaic row (FITS y − 1)` },
    { name: 'z', type: 'float32', description: 'the redshift used: the input catalogue spectroscopic z, else its photo-z (z_source)' },
    { name: 'z_source', type: 'string', description: "where z comes from: 'spec' (catalogue z), 'catalogue-photo' (catalogue photo-z, zPhotColumn), 'pixsed-photo' (pixsed photo-z model), 'none' (no redshift: pixels NO_REDSHIFT)" },
    { name: 'z_lo', type: 'float32', description: 'lower bound of a photometric z (catalogue zPhotLoColumn); nan for a spectroscopic z' },
    { name: 'z_hi', type: 'float32', description: 'upper bound of a photometric z (catalogue zPhotHiColumn); nan for a spectroscopic z' },
    { name: 'n_pixels_segment', type: 'int64', description: 'pixels of the galaxy in the segmentation map' },
    { name: 'n_pixels', type: 'int64', description: 'pixels kept and inferred (the maps and sums cover these)' },
    ...[...SEGMENT_REMOVAL_REASONS, ...extra].map((r): CatalogColumn => ({ name: `n_pixels_masked_${r}`, type: 'int64', description: `segment pixels removed: ${describe(r)}` })),
    { name: 'footprint_complete', type: 'int64', description: '1: no segment pixel removed for invalid data and every band sum covers every kept pixel; 0: the sums are lower bounds' },
    { name: 'n_bands_incomplete', type: 'int64', description: 'bands whose sum misses some kept pixels (band missing there)' },
    { name: 'bands_incomplete', type: 'string', description: 'those bands, space-separated' },
  ];
  for (const [name, unit, what] of [
    ['log_mstar_sum', 'dex(solMass)', 'stellar mass'],
    ['log_sfr100_sum', 'dex(solMass / yr)', 'SFR over 100 Myr'],
  ] as const) {
    for (const s of ['p16', 'p50', 'p84'] as const) cols.push({ name: `${name}_${s}`, type: 'float32', unit, description: `log10 of the pixel-summed ${what} (sample-wise Σ over kept pixels): ${pct[s]}` });
  }
  for (const p of opts.integrated ?? []) {
    for (const s of ['p16', 'p50', 'p84'] as const) cols.push({ name: `${p.name}_integrated_${s}`, type: 'float32', unit: astropyUnit(p.unit), description: `${p.name} of the fit to the summed photometry: ${pct[s]}` });
  }
  if (opts.integrated?.some((p) => p.name === 'log_mstar')) cols.push({ name: 'delta_log_mstar', type: 'float32', unit: 'dex', description: 'log_mstar_sum_p50 − log_mstar_integrated_p50 (outshining: > 0 when the pixels hold more mass)' });
  if (opts.integrated?.length && opts.integratedPpc) {
    cols.push({ name: 'integrated_ppc_chi2', type: 'float32', description: "posterior-predictive check of the integrated fit: median χ² of the summed fluxes against the posterior draws' emulated photometry" });
    cols.push({ name: 'integrated_ppc_pvalue', type: 'float32', description: "its posterior-predictive p-value (a whole galaxy mixes populations: a low value says no single SFH of the model's family reproduces the summed photometry)" });
  }
  for (const b of opts.bands) {
    cols.push({ name: `flux_${b}_sum_njy`, type: 'float32', unit: 'nJy', description: `Σ ${b} flux over the kept pixels where the band is valid (PSF-matched)` });
    cols.push({ name: `flux_${b}_sum_err_njy`, type: 'float32', unit: 'nJy', description: `1σ error of the ${b} sum (quadrature; ignores PSF-induced correlations)` });
    cols.push({ name: `flux_${b}_sum_n_pixels`, type: 'int64', description: `kept pixels the ${b} sum covers` });
  }
  return cols;
}

/** The shortest decimal that reads back as the same float32 (`0.65` for the float32 nearest 0.65, not 0.6499999761581421). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return String(Number(s));
  }
  return String(f);
}

/** One value as catalogue text: float32 at float32 precision, float64 (ra/dec) with 9 decimals (≈ 3 µas), integers as integers, NaN as `nan`. */
export function formatValue(c: CatalogColumn, v: number | string | undefined): string {
  if (v === undefined) return c.type === 'string' ? '' : c.type === 'int64' ? (c.name.startsWith('n_pixels_masked_') ? '0' : '') : 'nan';
  if (c.type === 'string') return String(v);
  const x = Number(v);
  if (c.type === 'int64') return Number.isFinite(x) ? String(Math.round(x)) : '';
  if (c.type === 'float32') return float32Text(x);
  return Number.isFinite(x) ? x.toFixed(9) : 'nan';
}

const ASCII: Record<string, string> = { 'Σ': 'sum', 'σ': 'sigma', '−': '-', '×': 'x', '≈': '~', 'µ': 'u', '≤': '<=', '≥': '>=', 'Δ': 'Delta', '→': '->', '⊛': '*', '*': '*' };

/** Text for a FITS header (printable ASCII): the catalogue's symbols spelt out (Σ → sum, σ → sigma, − → -). */
export function asciiText(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, (ch) => ASCII[ch] ?? '?');
}

/** JSON with every non-ASCII character escaped (\uXXXX: also valid YAML), for the ECSV header. */
const asciiJson = (v: unknown) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

function csvField(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const sortRows = (rows: GalaxyCatalogRow[]) => [...rows].sort((a, b) => Number(a.galaxy_id) - Number(b.galaxy_id));

/** CSV (RFC 4180): the header row, then one row per galaxy by id; the same values as the ECSV. */
export function catalogCsvText(columns: CatalogColumn[], rows: GalaxyCatalogRow[]): string {
  const lines = [columns.map((c) => c.name).join(','), ...sortRows(rows).map((r) => columns.map((c) => csvField(formatValue(c, r[c.name]), ',')).join(','))];
  return lines.join('\n') + '\n';
}

/**
 * ECSV 1.0 (astropy's Enhanced CSV, https://github.com/astropy/astropy-APEs/blob/main/APE6.rst): a YAML header
 * with every column's datatype, unit and description and the run's `meta`, then comma-separated rows, so that
 * `astropy.table.QTable.read(file)` gives Quantity columns with units.
 */
export function catalogEcsvText(columns: CatalogColumn[], rows: GalaxyCatalogRow[], meta: Record<string, unknown>): string {
  const header = [
    '%ECSV 1.0',
    '---',
    "delimiter: ','",
    'datatype:',
    ...columns.map((c) => `- ${asciiJson({ name: c.name, ...(c.unit ? { unit: c.unit } : {}), datatype: c.type, ...(c.type === 'float32' ? { format: '.7g' } : c.type === 'float64' ? { format: '.9f' } : {}), description: c.description })}`),
    `meta: ${asciiJson(meta)}`,
    'schema: astropy-2.0',
  ].map((l) => `# ${l}`);
  return [...header, catalogCsvText(columns, rows).trimEnd()].join('\n') + '\n';
}
