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
  shardOwnedMetadata,
  shardPlan,
  pendingRedshift,
  shardTiles,
  type ShardOwned,
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
  catalog: z
    .union([
      z.string().min(1),
      z.strictObject({
        file: z.string().min(1),
        idColumn: z.string().optional().describe('column of the segmentation id (default id)'),
        zColumn: z.string().optional().describe('column of the redshift (default z), e.g. z_phot'),
        raColumn: z.string().optional().describe('column of the right ascension [deg] (default ra)'),
        decColumn: z.string().optional().describe('column of the declination [deg] (default dec)'),
        zErrLowColumn: z.string().optional().describe('column of the lower 1σ redshift uncertainty (kept for photo-z use)'),
        zErrHighColumn: z.string().optional().describe('column of the upper 1σ redshift uncertainty'),
        zPhotColumn: z.string().optional().describe('column of a catalogue photometric redshift, used where the spectroscopic z (zColumn) is blank (z_source catalogue-photo)'),
        zPhotLoColumn: z.string().optional().describe('column of the lower bound (e.g. 16th percentile) of that photo-z'),
        zPhotHiColumn: z.string().optional().describe('column of the upper bound (e.g. 84th percentile) of that photo-z'),
      }),
    ])
    .describe('galaxy catalogue (CSV, ECSV, FITS binary table or Parquet by extension, relative to the pipeline file) with id, z and optional ra, dec [deg]; empty z = no redshift; {file, idColumn, zColumn, ...} maps other column names'),
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
export async function openMosaic(config: MosaicSourceConfig, init: Pick<InitContext, 'pipelineDir' | 'log'> & Partial<Pick<InitContext, 'shard' | 'prepass' | 'redshifts'>>): Promise<BatchSource & { info: StreamInfo; survey: Survey; bands: string[]; header: FitsHeader }> {
  const survey = await resolveSurvey(config.survey, init.pipelineDir);
  const bands = selectBands(config, survey);
  const readers: FitsImageReader[] = [];
  const closeAll = () => Promise.allSettled(readers.map((r) => r.close()));
  try {
    const dir = inputPath(init.pipelineDir, config.imageDir);
    const planes: BandPlanes[] = [];
    for (const band of bands) planes.push(await openBandPlanes(config, survey, band, dir, init.log, readers));
    const segFile = inputPath(init.pipelineDir, config.segmentation);
    if (!existsSync(segFile)) throw new ConfigError(undefined, [{ path: 'source.segmentation', message: `segmentation map not found: ${segFile}` }]);
    const seg = await openFitsImage(segFile);
    readers.push(seg);
    await checkPlaneGrids(planes, seg, segFile, config.gridTolerancePx, init.log);
    const { file: catalogFile, ...catalogColumns } = typeof config.catalog === 'string' ? { file: config.catalog } : config.catalog;
    const catalog: GalaxyCatalog = await readCatalog(inputPath(init.pipelineDir, catalogFile), catalogColumns);
    init.log(`catalogue ${catalog.file}: ${catalog.rows} galaxies`);
    const grid = tileGrid(config, seg, readers, init.log);
    const { boxes, completing } = await galaxyTiles(seg, segFile, grid);
    // the catalogue's ra/dec (deg) travel with each galaxy box: the galaxies sink reports them
    for (const b of boxes) {
      const [ra, dec] = [catalog.ra?.get(b.id), catalog.dec?.get(b.id)];
      if (Number.isFinite(ra) && Number.isFinite(dec)) Object.assign(b, { ra, dec });
      // and where its z comes from (a segment id absent from the catalogue has none)
      b.zSource = catalog.zSource.get(b.id) ?? 'none';
      const [lo, hi] = [catalog.zPhotLo?.get(b.id), catalog.zPhotHi?.get(b.id)];
      if (Number.isFinite(lo)) b.zLo = lo;
      if (Number.isFinite(hi)) b.zHi = hi;
      // a galaxy without a catalogue z whose z pixsed's photo-z first pass found (ADR 0010): its pixels get the median
      const found = b.zSource === 'none' ? init.redshifts?.get(b.id) : undefined;
      if (found) Object.assign(b, { zSource: 'pixsed-photo', zLo: found.zLo, zHi: found.zHi });
    }
    const zOf = (id: number): number | undefined => {
      const zi = catalog.z.get(id);
      return zi !== undefined && !Number.isNaN(zi) ? zi : init.redshifts?.get(id)?.z;
    };
    init.log(`segmentation ${segFile}: ${boxes.length} galaxies`);
    const { width, height, stripRows, haloRows, tileCols, tilesPerRow } = grid;
    const info = mosaicStreamInfo(survey, bands, seg.header, { width, height, stripRows, tileColumns: tileCols, haloRows }, boxes);
    // a shard (`pixsed run --shard i/N`) reads the tiles of its galaxies and of its background (shardPlan, ADR 0009)
    const shard = init.shard;
    const plan = shard ? shardPlan(boxes, grid, shard.count) : undefined;
    const read = plan && shard ? new Set(shardTiles(plan, shard.index)) : undefined;
    const mine = plan && shard ? boxes.filter((b) => plan.galaxyShard.get(b.id) === shard.index) : undefined;
    if (plan && shard && read && mine) {
      info.shard = { index: shard.index, count: shard.count, galaxies: mine.map((b) => b.id), tiles: read.size };
      init.log(`shard ${shard.index}/${shard.count}: ${mine.length} of ${boxes.length} galaxies, ${read.size} of ${plan.nTiles} tiles`);
    }
    const ownedIn = (tile: Tile): ShardOwned | undefined => {
      if (!plan || !shard || !mine) return undefined;
      const ids = mine.filter((b) => boxInTile(b, tile)).map((b) => b.id);
      return { galaxies: ids, background: plan.backgroundShard[tile.index] === shard.index };
    };
    const mineSet = mine ? new Set(mine.map((b) => b.id)) : undefined;
    // a photo-z first pass reads only the tiles of (this shard's) galaxies without a z
    const pendingIds = init.prepass ? new Set(pendingRedshift(info)) : undefined;
    const pending = pendingIds ? boxes.filter((b) => pendingIds.has(b.id)) : undefined;
    const pendingTiles = pending ? new Set([...tiles(grid)].filter((t) => pending.some((b) => boxInTile(b, t))).map((t) => t.index)) : undefined;
    if (pending && pendingTiles) init.log(`photo-z first pass: ${pending.length} galaxies without a catalogue z, ${pendingTiles.size} tiles`);
    return {
      info,
      survey,
      bands,
      header: seg.header,
      totalRows: shard || pendingTiles ? undefined : width * height,
      totalBatches: pendingTiles ? pendingTiles.size : read ? read.size : Math.ceil(height / stripRows) * tilesPerRow,
      close: async () => void (await closeAll()),
      async *[Symbol.asyncIterator]() {
        try {
          for (const tile of tiles(grid)) {
            if (read && !read.has(tile.index)) continue;
            if (pendingTiles && !pendingTiles.has(tile.index)) continue;
            const done = completing.get(tile.index) ?? [];
            yield await readTile(planes, seg, zOf, grid, tile, mineSet ? done.filter((b) => mineSet.has(b.id)) : done, ownedIn(tile));
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

/** The bands to read (`source.bands`, default all of the survey's), each checked against the survey, as are `source.files` keys. */
function selectBands(config: MosaicSourceConfig, survey: Survey): string[] {
  const bands = config.bands ?? survey.bands.map((b) => b.name);
  const names = survey.bands.map((x) => x.name).join(', ');
  for (const b of bands) {
    if (!survey.bands.some((sb) => sb.name === b)) throw new ConfigError(undefined, [{ path: 'source.bands', message: `band '${b}' is not in survey '${survey.name}' (${names})` }]);
  }
  for (const b of Object.keys(config.files ?? {})) {
    if (!survey.bands.some((sb) => sb.name === b)) throw new ConfigError(undefined, [{ path: `source.files.${b}`, message: `band '${b}' is not in survey '${survey.name}' (${names})` }]);
  }
  return bands;
}

/** Where a band's planes are: files (resolved under `dir`), HDUs and the config keys that named them; missing files are errors. */
function bandFiles(config: MosaicSourceConfig, survey: Survey, band: string, dir: string) {
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
  if (!existsSync(errFile)) throw new ConfigError(undefined, [{ path: errKey, message: `error image for band ${band} not found: ${errFile}` }]);
  // explicit files without an HDU take the survey's HDU (JADES: SCI / ERR), else the first image HDU
  const errKind = explicit?.errorKind ?? survey.files.errorKind;
  return { sciFile, sciHdu: sciRef.hdu ?? survey.files.sci.hdu, sciKey, errFile, errHdu: errRef.hdu ?? errSpec?.hdu, errKey, errKind };
}

/** Opens a band's science and error planes (pushed onto `readers` as opened) and resolves each plane's unit to nJy/px. */
async function openBandPlanes(config: MosaicSourceConfig, survey: Survey, band: string, dir: string, log: (m: string) => void, readers: FitsImageReader[]): Promise<BandPlanes> {
  const f = bandFiles(config, survey, band, dir);
  const sci = await openPlane(f.sciFile, f.sciHdu, f.sciKey, band);
  readers.push(sci);
  const err = await openPlane(f.errFile, f.errHdu, f.errKey, band);
  readers.push(err);
  if (sci.file === err.file && sci.hdu === err.hdu) {
    const file = basename(f.errFile);
    throw new ConfigError(undefined, [{ path: f.errKey, message: `band ${band}: science and error planes are both ${planeLabel(sci)}; name the error HDU, e.g. '${file}[ERR]' or { file: ${file}, hdu: ERR }` }]);
  }
  const sciBunit = sci.header.getString('BUNIT')?.trim();
  const sciUnitFrom = sciBunit ? 'BUNIT' : `survey fluxUnit (${planeLabel(sci)} has no BUNIT)`;
  const conv = fluxConversion(sci.header, { unit: sciBunit ? undefined : survey.fluxUnit, input: `${planeLabel(sci)} (band ${band} sci)` });
  log(`band ${band}: sci ${planeLabel(sci)} [${conv.unit}, from ${sciUnitFrom}] ×${conv.factor.toPrecision(6)} → nJy/px (${conv.formula})`);
  // the error plane is converted with its own unit: its BUNIT, else the survey's fluxUnit, else the science plane's unit
  const errBunit = err.header.getString('BUNIT')?.trim();
  const errUnit = errorPlaneSigmaUnit(errBunit, f.errKind);
  const [unit, errUnitFrom] = errUnit
    ? [errUnit, `BUNIT '${errBunit}'`]
    : survey.fluxUnit
      ? [survey.fluxUnit, `survey fluxUnit (${planeLabel(err)} has ${errBunit ? `BUNIT '${errBunit}', not a flux unit` : 'no BUNIT'})`]
      : [conv.unit, `the science plane's unit (${planeLabel(err)} has no BUNIT and the survey no fluxUnit)`];
  const errConv = fluxConversion(err.header, { unit, fallbackHeader: sci.header, scienceHeader: sci.header, input: `${planeLabel(err)} (band ${band} err, ${f.errKind})` });
  log(`band ${band}: err ${planeLabel(err)} ${f.errKind} [${errConv.unit}, from ${errUnitFrom}] ×${errConv.factor.toPrecision(6)} → nJy/px (${errConv.formula})`);
  return { band, sci, err, sciToNjy: conv.factor, errToNjy: errConv.factor, errKind: f.errKind, errKey: f.errKey, checkedIdentical: false };
}

/**
 * Every plane on one pixel grid: error planes the science shape (cutouts' error planes often carry no WCS:
 * assumed on the science grid, logged), WCS grids within `tolerancePx`; and no error plane that is its
 * science plane, checked on a central band of rows of plain files (cheap positioned reads), else on the
 * first streamed tile with science data (`checkedIdentical` stays false).
 */
async function checkPlaneGrids(planes: BandPlanes[], seg: FitsImageReader, segFile: string, tolerancePx: number, log: (m: string) => void): Promise<void> {
  const sizeDiffs = planes
    .filter((p) => p.err.width !== p.sci.width || p.err.height !== p.sci.height)
    .map((p) => `${p.err.file} (${p.band} err): ${p.err.width}×${p.err.height} vs ${p.sci.width}×${p.sci.height} (${p.band} sci)`);
  if (sizeDiffs.length) throw new GridMismatchError(sizeDiffs);
  for (const p of planes) if (!p.err.header.has('CTYPE1')) log(`warning: ${p.err.file} (${p.band} err) has no WCS; assumed on the science grid`);
  checkGrids(
    [
      ...planes.flatMap((p) => [
        { name: `${p.sci.file} (${p.band} sci)`, header: p.sci.header },
        ...(p.err.header.has('CTYPE1') ? [{ name: `${p.err.file} (${p.band} err)`, header: p.err.header }] : []),
      ]),
      { name: `${segFile} (segmentation)`, header: seg.header },
    ],
    tolerancePx,
  );
  for (const p of planes) {
    if (p.sci.gzip || p.err.gzip || p.sci.width !== p.err.width) continue;
    const ym = Math.floor(p.sci.height / 2);
    const y0 = Math.max(0, ym - 8);
    const y1 = Math.min(p.sci.height, ym + 8);
    const cmp = identicalPlanes(await p.sci.readRows(y0, y1), await p.err.readRows(y0, y1));
    if (cmp.identical) throw identicalError(p, `rows ${y0}-${y1 - 1} (${cmp.compared} pixels with data)`);
    if (cmp.compared > 0) p.checkedIdentical = true;
  }
}

/** The mosaic's size and tiling: `tileColumns` (0 = full width) capped at the width; gzip planes force full-width strips (logged). */
export interface TileGrid {
  width: number;
  height: number;
  stripRows: number;
  haloRows: number;
  tileCols: number;
  tilesPerRow: number;
}

function tileGrid(config: MosaicSourceConfig, seg: FitsImageReader, readers: FitsImageReader[], log: (m: string) => void): TileGrid {
  const { width, height } = seg;
  const gzipped = readers.filter((r) => r.gzip).map((r) => r.file);
  let tileCols = config.tileColumns > 0 ? Math.min(config.tileColumns, width) : width;
  if (tileCols < width && gzipped.length) {
    log(`warning: ${gzipped[0]}${gzipped.length > 1 ? ` and ${gzipped.length - 1} more` : ''} gzip-compressed: reading full-width strips instead of ${config.tileColumns}-column tiles (memory grows with the mosaic width; decompress the files to tile)`);
    tileCols = width;
  }
  return { width, height, stripRows: config.stripRows, haloRows: config.haloRows, tileCols, tilesPerRow: Math.ceil(width / tileCols) };
}

/** Galaxy boxes from the segmentation map, and for each tile index (row-major) the galaxies whose last overlapping tile it is. */
async function galaxyTiles(seg: FitsImageReader, segFile: string, grid: TileGrid): Promise<{ boxes: GalaxyBox[]; completing: Map<number, GalaxyBox[]> }> {
  const boxes = await segmentBoxes(seg, grid.stripRows, segFile);
  const completing = new Map<number, GalaxyBox[]>();
  for (const b of boxes.values()) {
    const k = Math.floor(b.y1 / grid.stripRows) * grid.tilesPerRow + Math.floor(b.x1 / grid.tileCols);
    if (!completing.has(k)) completing.set(k, []);
    completing.get(k)!.push(b);
  }
  return { boxes: [...boxes.values()], completing };
}

/** One tile: core rows c0..c1 and columns t0..t1, read with halos as rows y0..y1, columns x0..x1 (clipped to the mosaic). */
export interface Tile {
  index: number;
  c0: number;
  c1: number;
  t0: number;
  t1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/** The tiles in row-major order. */
export function* tiles({ width, height, stripRows, haloRows, tileCols }: TileGrid): Generator<Tile> {
  for (let c0 = 0, index = 0; c0 < height; c0 += stripRows) {
    for (let t0 = 0; t0 < width; t0 += tileCols, index++) {
      const c1 = Math.min(height, c0 + stripRows);
      const t1 = Math.min(width, t0 + tileCols);
      yield { index, c0, c1, t0, t1, y0: Math.max(0, c0 - haloRows), y1: Math.min(height, c1 + haloRows), x0: Math.max(0, t0 - haloRows), x1: Math.min(width, t1 + haloRows) };
    }
  }
}

/** Whether a galaxy box (inclusive bounds) overlaps a tile's core (columns t0 … t1−1, rows c0 … c1−1). */
function boxInTile(b: GalaxyBox, t: Tile): boolean {
  return b.x0 < t.t1 && b.x1 >= t.t0 && b.y0 < t.c1 && b.y1 >= t.c0;
}

/** Reads one tile of every plane and the segmentation map into a batch: x, y, flux/σ per band in nJy, galaxy_id, z, flags. */
async function readTile(planes: BandPlanes[], seg: FitsImageReader, zOf: (id: number) => number | undefined, grid: TileGrid, tile: Tile, completes: GalaxyBox[], owned?: ShardOwned): Promise<ReturnType<typeof batchFromColumns>> {
  const { c0, c1, t0, t1, y0, y1, x0, x1 } = tile;
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
  const fieldMeta: Record<string, Record<string, string>> = {};
  for (const p of planes) {
    const sci = await p.sci.readRect(y0, y1, x0, x1);
    const errRaw = await p.err.readRect(y0, y1, x0, x1);
    if (!p.checkedIdentical) {
      const cmp = identicalPlanes(sci, errRaw);
      if (cmp.identical) throw identicalError(p, `the tile x ${x0}-${x1 - 1}, y ${y0}-${y1 - 1} (${cmp.compared} pixels with data)`);
      if (cmp.compared > 0) p.checkedIdentical = true;
    }
    // readRect hands over a new array: a float32 plane (BITPIX -32, JWST's and HST's) is converted in place, others
    // into a new float32 column (each value rounded to float32 once, as before)
    const f = sci instanceof Float32Array ? sci : new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = sci[i] * p.sciToNjy;
    cols[`flux_${p.band}_njy`] = f;
    cols[`flux_${p.band}_err_njy`] = errorPlaneToSigmaNjy(errRaw, p.errKind, p.errToNjy, errRaw instanceof Float32Array ? errRaw : new Float32Array(n));
    fieldMeta[`flux_${p.band}_njy`] = { unit: 'nJy', quantity: `flux density per pixel, band ${p.band}` };
    fieldMeta[`flux_${p.band}_err_njy`] = { unit: 'nJy', quantity: `1σ error per pixel, band ${p.band}` };
  }
  const segIds = await seg.readRect(y0, y1, x0, x1);
  Object.assign(cols, joinSegmentation(segIds, zOf));
  const { width, height } = grid;
  // a shard counts the core pixels it owns (its galaxies', and the background where it owns the tile's)
  let pixels = (t1 - t0) * (c1 - c0);
  if (owned) {
    const ids = new Set(owned.galaxies);
    pixels = 0;
    for (let r = c0 - y0; r < c1 - y0; r++) {
      for (let c = t0 - x0, i = r * w + c; c < t1 - x0; c++, i++) if (segIds[i] > 0 ? ids.has(segIds[i]) : owned.background) pixels++;
    }
  }
  return batchFromColumns(
    cols,
    {
      // per-batch facts only: the run-level ones are in `info`
      ...stripMetadata({ x0, y0, width: w, height: y1 - y0, haloTop: c0 - y0, haloBottom: y1 - c1, haloLeft: t0 - x0, haloRight: x1 - t1, mosaicWidth: width, mosaicHeight: height }),
      ...pixelsMetadata(pixels),
      ...galaxiesCompleteMetadata(completes),
      ...(owned ? shardOwnedMetadata(owned) : {}),
    },
    fieldMeta,
  );
}

/** galaxy_id, z and flags of a tile from its segmentation ids and each galaxy's z (the catalogue's, else pixsed's photo-z): OUTSIDE_SEGMENTATION (id 0), NO_REDSHIFT (no z). */
function joinSegmentation(segIds: PixelArray, zOf: (id: number) => number | undefined): { galaxy_id: Int32Array; z: Float32Array; [FLAGS_COLUMN]: Uint32Array } {
  const n = segIds.length;
  const gid = new Int32Array(n);
  const zcol = new Float32Array(n);
  const flags = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    gid[i] = segIds[i]; // integer ids ≥ 0, validated by segmentBoxes when the source opened
    if (gid[i] <= 0) {
      zcol[i] = NaN;
      flags[i] |= FLAG.OUTSIDE_SEGMENTATION;
      continue;
    }
    const zi = zOf(gid[i]);
    zcol[i] = zi ?? NaN;
    if (zi === undefined || Number.isNaN(zi)) flags[i] |= FLAG.NO_REDSHIFT;
  }
  return { galaxy_id: gid, z: zcol, [FLAGS_COLUMN]: flags };
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
