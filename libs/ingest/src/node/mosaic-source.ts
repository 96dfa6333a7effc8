import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { basename, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import {
  batchFromColumns,
  ConfigError,
  DataFileError,
  defineSource,
  FLAGS_COLUMN,
  bandNameSchema,
  GridMismatchError,
  FLAG,
  stripMetadata,
  galaxiesCompleteMetadata,
  pixelsMetadata,
  type GalaxyBox,
  type StreamInfo,
  type BatchSource,
  type InitContext,
} from '@pixsed/core';
import { checkGrids, DEFAULT_GRID_TOLERANCE_PX, errorPlaneSigmaUnit, errorPlaneToSigmaNjy, fluxConversion, Wcs, type FitsHeader, type PixelArray } from '@pixsed/fits';
import { listHdus, openFitsImage, type FitsImageReader } from '@pixsed/fits/node';
import { errorKindSchema, planeFileName, surveys, surveySchema, type ErrorKind, type PlaneSpec, type Survey } from '@pixsed/surveys';
import { readCatalog, type GalaxyCatalog } from './read-catalog.js';


const hduRefSchema = z.union([z.number().int().min(0), z.string().min(1)]);

/** One plane of a band: `file`, `file[EXTNAME]`, `file[EXTNAME,EXTVER]` or `file[N]` (0-based HDU, astropy/CFITSIO style), or `{ file, hdu }`. */
export const planeRefSchema = z
  .union([z.string().min(1), z.strictObject({ file: z.string().min(1), hdu: hduRefSchema.optional().describe("0-based HDU index, EXTNAME or 'EXTNAME,EXTVER'") })])
  .describe("a FITS file: 'file', 'file[EXTNAME]', 'file[EXTNAME,EXTVER]' or 'file[N]' (0-based HDU), or { file, hdu }");
export type PlaneRef = z.infer<typeof planeRefSchema>;

/** Splits `file[EXT]` / `file[1]` into file and HDU; a plain name has no HDU. `where` names the config key for errors. */
export function parsePlaneRef(ref: PlaneRef, where: string): { file: string; hdu: number | string | undefined } {
  if (typeof ref !== 'string') return { file: ref.file, hdu: ref.hdu };
  const m = /^(.+)\[([^[\]]*)\]$/.exec(ref.trim());
  if (!m) return { file: ref, hdu: undefined };
  const inner = m[2].trim();
  if (/^\d+$/.test(inner)) return { file: m[1], hdu: Number(inner) };
  if (/^[A-Za-z][A-Za-z0-9_-]*(\s*,\s*\d+)?$/.test(inner)) return { file: m[1], hdu: inner.replace(/\s+/g, '') };
  throw new ConfigError(undefined, [
    { path: where, message: `'${ref}': the HDU in brackets must be a 0-based index ('file[1]'), an EXTNAME ('file[ERR]') or EXTNAME,EXTVER ('file[SCI,2]'), got '[${m[2]}]'` },
  ]);
}

export const mosaicSourceSchema = z.strictObject({
  survey: z.union([z.string(), surveySchema]).default('jades').describe('survey name (jades, hst), a survey JSON/YAML file, or an inline survey definition'),
  imageDir: z.string().min(1).describe('folder with the band images, relative to the pipeline file'),
  bands: z.array(bandNameSchema).min(1).optional().describe('subset of the survey bands to read (default: all)'),
  files: z
    .record(
      bandNameSchema,
      z.strictObject({
        sci: planeRefSchema,
        err: planeRefSchema.optional().describe('error plane (default: the survey files.err pattern and HDU)'),
        errorKind: errorKindSchema.optional().describe("how this band's error plane is stored (default: the survey's files.errorKind)"),
      }),
    )
    .optional()
    .describe('explicit files per band (relative to imageDir), overriding the survey patterns; without an HDU the survey files.sci.hdu / files.err.hdu, else the first image HDU'),
  segmentation: z.string().min(1).describe('segmentation map FITS (relative to the pipeline file): integer galaxy ids ≥ 0 (0 = background); an integer image, or a float image holding integers only'),
  catalog: z.string().min(1).describe('galaxy catalogue (CSV or Parquet, relative to the pipeline file) with id, z and optional ra, dec [deg]; empty z = no redshift'),
  stripRows: z.number().int().min(1).default(256).describe('output rows per strip (batch)'),
  tileColumns: z
    .number()
    .int()
    .min(0)
    .default(1024)
    .describe('output columns per tile: strips are cut into tiles this wide so memory does not grow with the mosaic width; 0 = full-width strips'),
  haloRows: z.number().int().min(0).default(0).describe('extra rows above/below (and columns left/right of tiles) for convolution (≥ kernel radius)'),
  gridTolerancePx: z
    .number()
    .min(0)
    .default(DEFAULT_GRID_TOLERANCE_PX)
    .describe('pixel-grid check across bands, pixels: every image corner and centre must land within this of the same pixel of the first science image'),
});
export type MosaicSourceConfig = z.infer<typeof mosaicSourceSchema>;

interface BandPlanes {
  band: string;
  sci: FitsImageReader;
  err: FitsImageReader;
  sciToNjy: number;
  /** Factor from the error plane's own unit (its BUNIT, else the survey's fluxUnit, else the science unit) to nJy. */
  errToNjy: number;
  errKind: ErrorKind;
  /** Config key that named the error plane (`source.files.<band>.err` or `survey.files.err`). */
  errKey: string;
  /** True once a tile with science data was compared with the error plane (`identicalPlanes`). */
  checkedIdentical: boolean;
}

/** 0-based index of HDU `hdu` (index or EXTNAME, case-insensitive) of `file`; `key` is the config key for errors. */
async function hduIndex(file: string, hdu: PlaneSpec['hdu'], key: string, band: string): Promise<number | undefined> {
  // an index needs no walk over the file (openFitsImage names the file and its HDU count if it is out of range)
  if (hdu === undefined || typeof hdu === 'number') return hdu;
  const hdus = await listHdus(file);
  const have = hdus.map((h) => `${h.index}${h.extname ? ` '${h.extname}'` : ''} (${h.xtension})`).join(', ');
  // 'NAME' or 'NAME,VER' (CFITSIO); EXTVER defaults to 1 in the header (FITS 4.0 §4.4.2.6)
  const [name, ver] = hdu.trim().toUpperCase().split(/\s*,\s*/);
  const found = hdus.filter((h) => (h.extname ?? '').trim().toUpperCase() === name && (ver === undefined || (h.extver ?? 1) === Number(ver)));
  if (found.length === 0) throw new ConfigError(undefined, [{ path: key, message: `band ${band}: ${file} has no HDU with EXTNAME '${hdu}' (HDUs: ${have}); name the HDU as 'file[N]' or { file, hdu }` }]);
  if (found.length > 1) {
    throw new ConfigError(undefined, [
      { path: key, message: `band ${band}: ${file} has ${found.length} HDUs with EXTNAME '${hdu}' (${found.map((h) => `${h.index}, EXTVER ${h.extver ?? 1}`).join('; ')}): name one as 'file[${name},VER]' or 'file[N]'` },
    ]);
  }
  return found[0].index;
}

/** Resolve an input path: absolute, or relative to `base` (the pipeline file's folder; band images: imageDir). No PIXSED_DATA_DIR fallback: a mosaic's files are the user's, not reference data. */
function inputPath(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
}

/** `file[HDU n 'EXTNAME']` for log and error lines. */
function planeLabel(r: FitsImageReader): string {
  return `${r.file}[${r.hdu}${r.layout.extname ? ` '${r.layout.extname.trim()}'` : ''}]`;
}

/**
 * Compares raw science and error values pixel by pixel: `compared` counts pixels with a finite, non-zero
 * science value; `identical` is true when there are such pixels and every one has err == sci (a science
 * HDU read as the error plane). Values equal by chance on a few pixels do not count: all must match.
 */
export function identicalPlanes(sci: PixelArray, err: PixelArray): { compared: number; identical: boolean } {
  let compared = 0;
  for (let i = 0; i < sci.length; i++) {
    const v = sci[i];
    if (!Number.isFinite(v) || v === 0) continue;
    compared++;
    if (err[i] !== v) return { compared, identical: false };
  }
  return { compared, identical: compared > 0 };
}

function identicalError(p: BandPlanes, where: string): DataFileError {
  return new DataFileError(
    p.err.file,
    p.errKey,
    `the error plane of band ${p.band} (${planeLabel(p.err)}) is identical to its science plane (${planeLabel(p.sci)}) over ${where}: point the error plane at the ERR/RMS/WHT/VAR HDU, e.g. '${basename(p.err.file)}[ERR]'`,
  );
}

/** Opens one plane of a band; `key` is the config key that named it (for errors). */
async function openPlane(file: string, hdu: PlaneSpec['hdu'], key: string, band: string): Promise<FitsImageReader> {
  return openFitsImage(file, { hdu: await hduIndex(file, hdu, key, band) });
}

/**
 * The mosaic source: streams aligned strips of every band (science and error planes, in nJy per
 * pixel) plus the segmentation map, with `haloRows` extra rows above/below for convolution, joined
 * with the galaxy catalogue (`galaxy_id`, `z`). Pixels outside the segmentation or without a
 * redshift are flagged (OUTSIDE_SEGMENTATION, NO_REDSHIFT), never dropped here. Files are read tile
 * by tile (`stripRows` × `tileColumns` plus halos, row-major tile order, one positioned read per row
 * and plane), so memory is O((tileColumns + 2 haloRows) × (stripRows + 2 haloRows) × planes) whatever
 * the mosaic's size. Gzip-compressed planes can only be read forwards: they fall back to full-width strips.
 */
export async function openMosaic(config: MosaicSourceConfig, init: Pick<InitContext, 'pipelineDir' | 'log'>): Promise<BatchSource & { info: StreamInfo; survey: Survey; bands: string[]; header: FitsHeader }> {
  const survey = await resolveSurvey(config.survey, init.pipelineDir);
  const bands = config.bands ?? survey.bands.map((b) => b.name);
  for (const b of bands) {
    if (!survey.bands.some((sb) => sb.name === b)) {
      throw new ConfigError(undefined, [{ path: 'source.bands', message: `band '${b}' is not in survey '${survey.name}' (${survey.bands.map((x) => x.name).join(', ')})` }]);
    }
  }
  for (const b of Object.keys(config.files ?? {})) {
    if (!survey.bands.some((sb) => sb.name === b)) {
      throw new ConfigError(undefined, [{ path: `source.files.${b}`, message: `band '${b}' is not in survey '${survey.name}' (${survey.bands.map((x) => x.name).join(', ')})` }]);
    }
  }
  const dir = inputPath(init.pipelineDir, config.imageDir);
  const readers: FitsImageReader[] = [];
  const closeAll = () => Promise.allSettled(readers.map((r) => r.close()));
  try {
    const planes: BandPlanes[] = [];
    for (const band of bands) {
      const explicit = config.files?.[band];
      const sciKey = explicit ? `source.files.${band}.sci` : 'survey.files.sci';
      const sciRef = explicit ? parsePlaneRef(explicit.sci, sciKey) : { file: planeFileName(survey.files.sci.pattern, band), hdu: undefined };
      const sciFile = resolve(dir, sciRef.file);
      const errSpec = survey.files.err;
      const errKey = explicit?.err ? `source.files.${band}.err` : 'survey.files.err';
      const errRef = explicit?.err ? parsePlaneRef(explicit.err, errKey) : errSpec ? { file: planeFileName(errSpec.pattern, band), hdu: undefined } : undefined;
      if (!existsSync(sciFile)) {
        throw new ConfigError(undefined, [{ path: sciKey, message: `science image for band ${band} not found: ${sciFile}${explicit ? '' : ` (pattern '${survey.files.sci.pattern}')`}` }]);
      }
      if (!errRef) throw new ConfigError(undefined, [{ path: `source.files.${band}.err`, message: `no error plane for band ${band}: survey '${survey.name}' has no files.err pattern` }]);
      const errFile = resolve(dir, errRef.file);
      if (!existsSync(errFile)) {
        throw new ConfigError(undefined, [{ path: errKey, message: `error image for band ${band} not found: ${errFile}` }]);
      }
      // explicit files without an HDU take the survey's HDU (JADES: SCI / ERR), else the first image HDU
      const sci = await openPlane(sciFile, sciRef.hdu ?? survey.files.sci.hdu, sciKey, band);
      readers.push(sci);
      const err = await openPlane(errFile, errRef.hdu ?? errSpec?.hdu, errKey, band);
      readers.push(err);
      if (sci.file === err.file && sci.hdu === err.hdu) {
        throw new ConfigError(undefined, [
          {
            path: errKey,
            message: `band ${band}: science and error planes are both ${planeLabel(sci)}; name the error HDU, e.g. '${basename(errFile)}[ERR]' or { file: ${basename(errFile)}, hdu: ERR }`,
          },
        ]);
      }
      const sciBunit = sci.header.getString('BUNIT')?.trim();
      const sciUnitFrom = sciBunit ? 'BUNIT' : `survey fluxUnit (${planeLabel(sci)} has no BUNIT)`;
      const conv = fluxConversion(sci.header, { unit: sciBunit ? undefined : survey.fluxUnit, input: `${planeLabel(sci)} (band ${band} sci)` });
      init.log(`band ${band}: sci ${planeLabel(sci)} [${conv.unit}, from ${sciUnitFrom}] ×${conv.factor.toPrecision(6)} → nJy/px (${conv.formula})`);
      // the error plane is converted with its own unit: its BUNIT, else the survey's fluxUnit, else the science plane's unit
      const errKind = explicit?.errorKind ?? survey.files.errorKind;
      const errBunit = err.header.getString('BUNIT')?.trim();
      const errUnit = errorPlaneSigmaUnit(errBunit, errKind);
      const [unit, errUnitFrom] = errUnit
        ? [errUnit, `BUNIT '${errBunit}'`]
        : survey.fluxUnit
          ? [survey.fluxUnit, `survey fluxUnit (${planeLabel(err)} has ${errBunit ? `BUNIT '${errBunit}', not a flux unit` : 'no BUNIT'})`]
          : [conv.unit, `the science plane's unit (${planeLabel(err)} has no BUNIT and the survey no fluxUnit)`];
      const errConv = fluxConversion(err.header, { unit, fallbackHeader: sci.header, scienceHeader: sci.header, input: `${planeLabel(err)} (band ${band} err, ${errKind})` });
      init.log(`band ${band}: err ${planeLabel(err)} ${errKind} [${errConv.unit}, from ${errUnitFrom}] ×${errConv.factor.toPrecision(6)} → nJy/px (${errConv.formula})`);
      planes.push({ band, sci, err, sciToNjy: conv.factor, errToNjy: errConv.factor, errKind, errKey, checkedIdentical: false });
    }
    const segFile = inputPath(init.pipelineDir, config.segmentation);
    if (!existsSync(segFile)) throw new ConfigError(undefined, [{ path: 'source.segmentation', message: `segmentation map not found: ${segFile}` }]);
    const seg = await openFitsImage(segFile);
    readers.push(seg);
    // Error planes of cutouts often carry no WCS: those must match the science shape exactly.
    const sizeDiffs = planes
      .filter((p) => p.err.width !== p.sci.width || p.err.height !== p.sci.height)
      .map((p) => `${p.err.file} (${p.band} err): ${p.err.width}×${p.err.height} vs ${p.sci.width}×${p.sci.height} (${p.band} sci)`);
    if (sizeDiffs.length) throw new GridMismatchError(sizeDiffs);
    for (const p of planes) if (!p.err.header.has('CTYPE1')) init.log(`warning: ${p.err.file} (${p.band} err) has no WCS; assumed on the science grid`);
    checkGrids(
      [
        ...planes.flatMap((p) => [
          { name: `${p.sci.file} (${p.band} sci)`, header: p.sci.header },
          ...(p.err.header.has('CTYPE1') ? [{ name: `${p.err.file} (${p.band} err)`, header: p.err.header }] : []),
        ]),
        { name: `${segFile} (segmentation)`, header: seg.header },
      ],
      config.gridTolerancePx,
    );
    // an error plane that is the science plane (same values) is caught before streaming on a central band of
    // rows of plain files (cheap positioned reads), else on the first streamed tile with science data
    for (const p of planes) {
      if (p.sci.gzip || p.err.gzip || p.sci.width !== p.err.width) continue;
      const ym = Math.floor(p.sci.height / 2);
      const y0 = Math.max(0, ym - 8);
      const y1 = Math.min(p.sci.height, ym + 8);
      const cmp = identicalPlanes(await p.sci.readRows(y0, y1), await p.err.readRows(y0, y1));
      if (cmp.identical) throw identicalError(p, `rows ${y0}-${y1 - 1} (${cmp.compared} pixels with data)`);
      if (cmp.compared > 0) p.checkedIdentical = true;
    }
    const catalog: GalaxyCatalog = await readCatalog(inputPath(init.pipelineDir, config.catalog));
    init.log(`catalogue ${catalog.file}: ${catalog.rows} galaxies`);
    const width = seg.width;
    const height = seg.height;
    const { stripRows, haloRows } = config;
    const gzipped = readers.filter((r) => r.gzip).map((r) => r.file);
    let tileCols = config.tileColumns > 0 ? Math.min(config.tileColumns, width) : width;
    if (tileCols < width && gzipped.length) {
      init.log(`warning: ${gzipped[0]}${gzipped.length > 1 ? ` and ${gzipped.length - 1} more` : ''} gzip-compressed: reading full-width strips instead of ${config.tileColumns}-column tiles (memory grows with the mosaic width; decompress the files to tile)`);
      tileCols = width;
    }
    const tilesPerRow = Math.ceil(width / tileCols);
    const boxes = await segmentBoxes(seg, stripRows, segFile);
    // tile index (row-major) → galaxies whose last overlapping tile it is
    const completing = new Map<number, GalaxyBox[]>();
    for (const b of boxes.values()) {
      const k = Math.floor(b.y1 / stripRows) * tilesPerRow + Math.floor(b.x1 / tileCols);
      if (!completing.has(k)) completing.set(k, []);
      completing.get(k)!.push(b);
    }
    init.log(`segmentation ${segFile}: ${boxes.size} galaxies`);
    const info = mosaicStreamInfo(survey, bands, seg.header, { width, height, stripRows, tileColumns: tileCols, haloRows }, [...boxes.values()]);

    return {
      info,
      survey,
      bands,
      header: seg.header,
      totalRows: width * height,
      totalBatches: Math.ceil(height / stripRows) * tilesPerRow,
      close: async () => void (await closeAll()),
      async *[Symbol.asyncIterator]() {
        try {
          for (let c0 = 0, tile = 0; c0 < height; c0 += stripRows) {
            for (let t0 = 0; t0 < width; t0 += tileCols, tile++) {
              const c1 = Math.min(height, c0 + stripRows);
              const y0 = Math.max(0, c0 - haloRows);
              const y1 = Math.min(height, c1 + haloRows);
              const t1 = Math.min(width, t0 + tileCols);
              const x0 = Math.max(0, t0 - haloRows);
              const x1 = Math.min(width, t1 + haloRows);
              const w = x1 - x0;
              const n = w * (y1 - y0);
              const cols: Record<string, Float32Array | Int32Array | Uint32Array> = {};
              const x = new Int32Array(n);
              const y = new Int32Array(n);
              for (let r = 0, i = 0; r < y1 - y0; r++) {
                for (let c = 0; c < w; c++, i++) {
                  x[i] = x0 + c;
                  y[i] = y0 + r;
                }
              }
              cols.x = x;
              cols.y = y;
              for (const p of planes) {
                const sci = await p.sci.readRect(y0, y1, x0, x1);
                const f = new Float32Array(n);
                for (let i = 0; i < n; i++) f[i] = sci[i] * p.sciToNjy;
                cols[`flux_${p.band}_njy`] = f;
                const errRaw = await p.err.readRect(y0, y1, x0, x1);
                if (!p.checkedIdentical) {
                  const cmp = identicalPlanes(sci, errRaw);
                  if (cmp.identical) throw identicalError(p, `the tile x ${x0}-${x1 - 1}, y ${y0}-${y1 - 1} (${cmp.compared} pixels with data)`);
                  if (cmp.compared > 0) p.checkedIdentical = true;
                }
                cols[`flux_${p.band}_err_njy`] = Float32Array.from(errorPlaneToSigmaNjy(errRaw, p.errKind, p.errToNjy));
              }
              const segRows = await seg.readRect(y0, y1, x0, x1);
              const gid = new Int32Array(n);
              const zcol = new Float32Array(n);
              const flags = new Uint32Array(n);
              for (let i = 0; i < n; i++) {
                gid[i] = segRows[i]; // integer ids ≥ 0, validated by segmentBoxes when the source opened
                if (gid[i] <= 0) {
                  zcol[i] = NaN;
                  flags[i] |= FLAG.OUTSIDE_SEGMENTATION;
                  continue;
                }
                const zi = catalog.z.get(gid[i]);
                zcol[i] = zi ?? NaN;
                if (zi === undefined || Number.isNaN(zi)) flags[i] |= FLAG.NO_REDSHIFT;
              }
              cols.galaxy_id = gid;
              cols.z = zcol;
              cols[FLAGS_COLUMN] = flags;
              const fieldMeta: Record<string, Record<string, string>> = {};
              for (const b of bands) {
                fieldMeta[`flux_${b}_njy`] = { unit: 'nJy', quantity: `flux density per pixel, band ${b}` };
                fieldMeta[`flux_${b}_err_njy`] = { unit: 'nJy', quantity: `1σ error per pixel, band ${b}` };
              }
              yield batchFromColumns(
                cols,
                {
                  // per-batch facts only: the run-level ones are in `info`
                  ...stripMetadata({ x0, y0, width: w, height: y1 - y0, haloTop: c0 - y0, haloBottom: y1 - c1, haloLeft: t0 - x0, haloRight: x1 - t1, mosaicWidth: width, mosaicHeight: height }),
                  ...pixelsMetadata((t1 - t0) * (c1 - c0)),
                  ...galaxiesCompleteMetadata(completing.get(tile) ?? []),
                },
                fieldMeta,
              );
            }
          }
        } finally {
          await closeAll();
        }
      },
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

const WCS_CARD = /^(CTYPE|CRVAL|CRPIX|CD\d_\d|PC\d_\d|CDELT|CUNIT|RADESYS|EQUINOX|LONPOLE|LATPOLE|[AB]P?_)/;

/** The mosaic's StreamInfo: its bands (survey order of `bands`) with PSF/pivot facts, the survey, the grid's WCS cards, size, tiling and galaxy boxes. */
export function mosaicStreamInfo(survey: Survey, bands: string[], header: FitsHeader, mosaic: NonNullable<StreamInfo['mosaic']>, galaxies: GalaxyBox[]): StreamInfo {
  const wcs = Object.fromEntries(Object.entries(header.toRecord()).filter(([k]) => WCS_CARD.test(k))) as Record<string, number | string | boolean>;
  const bandDefs = bands.map((name) => {
    const b = survey.bands.find((x) => x.name === name)!;
    return { name, unit: 'nJy' as const, pivotWavelengthAngstrom: b.pivotWavelengthAngstrom, psfFile: b.psfFile, psfHdu: b.psfHdu, psfFwhmArcsec: b.psfFwhmArcsec };
  });
  const px = (name: string, unit: string) => ({ name, unit, addedBy: 'source:mosaic' });
  return {
    source: 'source:mosaic',
    bands: bandDefs,
    survey,
    mosaic,
    wcs,
    pixelScaleArcsec: Wcs.pixelScaleArcsecOf((k) => wcs[k]),
    flags: [],
    galaxies,
    columns: [px('x', 'px'), px('y', 'px'), ...bands.flatMap((b) => [px(`flux_${b}_njy`, 'nJy'), px(`flux_${b}_err_njy`, 'nJy')]), px('galaxy_id', ''), px('z', ''), px(FLAGS_COLUMN, 'bitmask')],
  };
}

/** A survey by name, inline, or from a JSON/YAML file (`survey: path/to/survey.json`). */
async function resolveSurvey(ref: MosaicSourceConfig['survey'], pipelineDir: string): Promise<Survey> {
  if (typeof ref === 'string' && /\.(json|ya?ml)$/i.test(ref)) {
    const file = inputPath(pipelineDir, ref);
    if (!existsSync(file)) throw new ConfigError(undefined, [{ path: 'source.survey', message: `survey file not found: ${file}` }]);
    const text = await readFile(file, 'utf8');
    let parsed: unknown;
    try {
      parsed = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      throw new ConfigError(file, [{ path: 'source.survey', message: `cannot parse survey ${/\.json$/i.test(file) ? 'JSON' : 'YAML'}: ${(e as Error).message}` }], 'survey file');
    }
    return surveys.resolve(parsed as never, file);
  }
  return surveys.resolve(ref as never, 'source.survey');
}

const MAX_SEGMENT_ID = 2 ** 31 - 1;

/**
 * Bounding boxes (inclusive, 0-based pixels) and pixel counts of every segment, in one strip-wise pass,
 * which also validates the map: every value must be an integer id in [0, 2³¹ − 1] (0 = background); a
 * fractional (1.5), negative or NaN/BLANK value is a `DataFileError` naming the file and the pixel.
 */
async function segmentBoxes(seg: FitsImageReader, stripRows: number, file: string): Promise<Map<number, GalaxyBox>> {
  const boxes = new Map<number, GalaxyBox>();
  for (let y0 = 0; y0 < seg.height; y0 += stripRows) {
    const y1 = Math.min(seg.height, y0 + stripRows);
    const rows = await seg.readRows(y0, y1);
    for (let r = 0, i = 0; r < y1 - y0; r++) {
      for (let x = 0; x < seg.width; x++, i++) {
        const id = rows[i];
        if (id === 0) continue;
        if (!(Number.isInteger(id) && id > 0 && id <= MAX_SEGMENT_ID)) {
          const what = Number.isNaN(id)
            ? `NaN${seg.bitpix > 0 ? ' (BLANK)' : ''}`
            : !Number.isInteger(id)
              ? `${id}, not an integer`
              : id < 0
                ? `${id}, a negative id`
                : `${id}, above ${MAX_SEGMENT_ID}`;
          throw new DataFileError(file, 'source.segmentation', `pixel (x, y) = (${x}, ${y0 + r}) holds ${what}: segmentation ids must be integers ≥ 0 (0 = background; BITPIX ${seg.bitpix})`);
        }
        const b = boxes.get(id);
        const y = y0 + r;
        if (!b) boxes.set(id, { id, x0: x, x1: x, y0: y, y1: y, nPixels: 1 });
        else {
          if (x < b.x0) b.x0 = x;
          if (x > b.x1) b.x1 = x;
          b.y1 = y;
          b.nPixels++;
        }
      }
    }
  }
  return boxes;
}

export const mosaicSource = defineSource({
  name: 'mosaic',
  version: '0.2.0',
  description: 'stream aligned strips of a multi-band mosaic (sci + err in nJy/px, segmentation, catalogue z)',
  configSchema: mosaicSourceSchema,
  create: (config, init) => openMosaic(config, init),
});
