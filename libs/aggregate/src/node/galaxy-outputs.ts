import { writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ConfigError, type FlagDefinition } from '@pixsed/core';
import { FitsHeader, flagBitCards, provenanceCards, Wcs } from '@pixsed/fits';
import { writeFitsExtensions, writeFitsTable, type FitsImageToWrite, type FitsTableColumn } from '@pixsed/fits/node';
import { asciiText, astropyUnit, catalogCsvText, catalogEcsvText, float32Text, type CatalogColumn, type GalaxyCatalogRow } from '../galaxy-catalog.js';
import { MAP_STATS, type GalaxyResult } from '../galaxy-accumulator.js';

type Cards = Record<string, string | number | boolean | null>;

/** Catalogue formats by file extension. */
export const CATALOG_FORMATS = { '.ecsv': 'ecsv', '.csv': 'csv', '.fits': 'fits', '.fit': 'fits' } as const;

/** The format of a catalogue path from its extension; a ConfigError naming `sinks.galaxies.catalog` otherwise. */
export function catalogFormat(path: string, key = 'sinks.galaxies.catalog'): 'ecsv' | 'csv' | 'fits' {
  const f = CATALOG_FORMATS[extname(path).toLowerCase() as keyof typeof CATALOG_FORMATS];
  if (!f) throw new ConfigError(undefined, [{ path: key, message: `'${path}': expected a file ending in .ecsv, .fits or .csv` }]);
  return f;
}

/** What each provenance card means (the ECSV meta keeps the same facts under these names). */
const PROVENANCE_NAMES: Record<string, string> = {
  ORIGIN: 'origin',
  PIXSEDV: 'pixsed_version',
  DATE: 'date',
  CFGHASH: 'config_hash',
  MODEL: 'model_name',
  MODELVER: 'model_version',
  MODELSHA: 'model_sha256',
  MODELSPS: 'model_sps',
  NSAMPPIX: 'samples_per_pixel',
  NSAMPGAL: 'samples_per_galaxy',
  SURVEY: 'survey',
  PSFBAND: 'psf_target_band',
  SNRTHR: 'snr_threshold',
  SNRBANDS: 'snr_bands',
  SNRCMP: 'snr_comparison',
};

export { provenanceCards };

/** The provenance cards as ECSV meta (readable names). */
export const provenanceMeta = (cards: Cards) => Object.fromEntries(Object.entries(cards).map(([k, v]) => [PROVENANCE_NAMES[k] ?? k.toLowerCase(), v]));

/** Right ascension and declination (deg) of 0-based mosaic pixel (x, y) through the stream's WCS; undefined without a celestial WCS. */
export function pixelToRaDec(wcs: Record<string, number | string> | undefined): ((x: number, y: number) => [number, number]) | undefined {
  if (!wcs || !wcs.CTYPE1) return undefined;
  const w = Wcs.fromHeader(FitsHeader.fromRecord(wcs, 'StreamInfo.wcs'));
  return (x, y) => w.pixelToWorld(x, y);
}

const FITS_TYPE: Record<CatalogColumn['type'], FitsTableColumn['type']> = { int64: 'K', float32: 'E', float64: 'D', string: 'A' };
const TDISP: Record<CatalogColumn['type'], string> = { int64: 'I10', float32: 'G15.7', float64: 'F14.9', string: 'A40' };

/** Writes the catalogue in the format of `file`'s extension: ECSV (units, descriptions, meta), FITS BINTABLE (TUNIT, TDISP), or CSV. */
export async function writeGalaxyCatalog(file: string, columns: CatalogColumn[], rows: GalaxyCatalogRow[], cards: Cards): Promise<void> {
  const format = catalogFormat(file);
  if (format === 'csv') return writeFile(file, catalogCsvText(columns, rows));
  if (format === 'ecsv') return writeFile(file, catalogEcsvText(columns, rows, provenanceMeta(cards)));
  const sorted = [...rows].sort((a, b) => Number(a.galaxy_id) - Number(b.galaxy_id));
  const fitsColumns: FitsTableColumn[] = columns.map((c) => ({
    name: c.name,
    type: FITS_TYPE[c.type],
    // the FITS unit standard has no dex: such a column states its unit in TCOMM instead (astropy would warn on TUNIT 'dex(...)')
    unit: c.unit?.startsWith('dex') ? undefined : c.unit,
    disp: c.type === 'string' ? undefined : TDISP[c.type],
    description: asciiText(c.unit?.startsWith('dex') ? `[${c.unit}] ${c.description}` : c.description),
    values: sorted.map((r) => {
      const v = r[c.name];
      if (c.type === 'string') return v === undefined ? '' : String(v);
      if (v === undefined) return c.name.startsWith('n_pixels_masked_') ? 0 : NaN;
      return c.type === 'float32' ? Number(float32Text(Number(v))) : Number(v);
    }),
  }));
  await writeFitsTable(file, { columns: fitsColumns, extname: 'GALAXIES', header: cards, primaryHeader: cards });
}

/** BUNIT of a map: the parameter's unit (astropy syntax) for its percentiles; the spread (std) of a log quantity is in dex. */
function mapUnit(unit: string | undefined, stat: string): string {
  const u = astropyUnit(unit) ?? '';
  return stat === 'std' && u.startsWith('dex') ? 'dex' : u;
}

/** Words of `text` in lines of at most `n` characters (COMMENT cards hold 72). */
function wrap(text: string, n: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line && line.length + 1 + w.length > n) {
      lines.push(line);
      line = `  ${w}`;
    } else line = line ? `${line} ${w}` : w;
  }
  return [...lines, line];
}

/** Header cards of the MASK extension: the flag bit table (FLAGBn = name, described in COMMENT cards) and what BLANK means. */
function maskCards(flags: readonly FlagDefinition[]): Cards {
  const c: Cards = { BUNIT: '', ...flagBitCards(flags) };
  c.COMMENT = [
    'MASK: the pixel flags bitmask (OR of 2**bit) of every pixel of the segment; 0 = kept, no flag.',
    'A pixel removed by the mask carries the reason bits (LOW_SNR, NONFINITE_FLUX, BAD_ERROR, NO_REDSHIFT): kept pixels never do.',
    'BLANK (-1): outside this galaxy segment (counts by reason: n_pixels_masked_<REASON> in the galaxies catalogue).',
    ...flags.map((f) => asciiText(`bit ${f.bit} ${f.name}: ${f.description}`)),
  ]
    .flatMap((l) => wrap(l, 72))
    .join('\n');
  return c;
}

/** What `writeGalaxyMaps` reads of a galaxy (the per-pixel accumulator's result, or the tile-maps sink's image-model maps). */
export type GalaxyMapsInput = Pick<GalaxyResult, 'id' | 'z' | 'box' | 'nPixels' | 'maps' | 'mask' | 'flags'>;

/**
 * `<mapsDir>/galaxy_<id>.fits`: a data-less primary HDU with the galaxy's identity and the run's provenance,
 * then one float32 extension per parameter × statistic (BUNIT, WCS cropped to the box) and MASK (int32 flags
 * bitmask of every segment pixel, kept or removed with its reason bits; BLANK = outside the segment; the bit
 * table in its header). Every extension repeats OBJECT, GALAXYID, REDSHIFT
 * and the provenance, so that DS9 and astropy show them on any HDU.
 */
export async function writeGalaxyMaps(
  r: GalaxyMapsInput,
  parameters: { name: string; unit: string }[],
  wcs: Record<string, number | string>,
  cards: Cards,
  flags: readonly FlagDefinition[],
  mapsDir: string,
  /** Removed segment pixels as (x, y, flags) triples (mosaic pixels): MASK gets their flags instead of BLANK. */
  removed: ArrayLike<number> = [],
): Promise<string> {
  const width = r.box.x1 - r.box.x0 + 1;
  const height = r.box.y1 - r.box.y0 + 1;
  const header = { ...wcs };
  // WCS cards of the mosaic shifted to the box: CRPIX' = CRPIX − offset (FITS pixels are 1-based, offsets 0-based)
  if (typeof header.CRPIX1 === 'number') header.CRPIX1 -= r.box.x0;
  if (typeof header.CRPIX2 === 'number') header.CRPIX2 -= r.box.y0;
  const identity: Cards = { OBJECT: `galaxy ${r.id}`, GALAXYID: r.id, REDSHIFT: Number.isFinite(r.z) ? Number(float32Text(r.z)) : null, ...cards };
  const images: (FitsImageToWrite & { extname: string })[] = parameters.flatMap((p) =>
    MAP_STATS.map((s) => ({ extname: `${p.name}_${s}`.toUpperCase(), width, height, data: r.maps[`${p.name}_${s}`], header: { ...identity, ...header, BUNIT: mapUnit(p.unit, s), PARAM: p.name, STAT: s as string } })),
  );
  const mask = new Int32Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = r.mask[i] ? r.flags[i] : -1;
  for (let k = 0; k < removed.length; k += 3) {
    const x = removed[k] - r.box.x0;
    const y = removed[k + 1] - r.box.y0;
    if (x >= 0 && x < width && y >= 0 && y < height) mask[y * width + x] = removed[k + 2];
  }
  images.push({ extname: 'MASK', width, height, data: mask, bitpix: 32, blank: -1, header: { ...identity, ...header, PARAM: 'mask', STAT: 'flags', ...maskCards(flags) } });
  const file = join(mapsDir, `galaxy_${r.id}.fits`);
  await writeFitsExtensions(file, images, { ...identity, NPIXELS: r.nPixels, X0: r.box.x0, Y0: r.box.y0 });
  return file;
}
