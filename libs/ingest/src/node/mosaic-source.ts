import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import {
  batchFromColumns,
  ConfigError,
  defineSource,
  FLAGS_COLUMN,
  bandNameSchema,
  GridMismatchError,
  PIXELS_KEY,
  FLAG,
  stripMetadata,
  GALAXIES_COMPLETE_KEY,
  SURVEY_DEFINITION_KEY,
  type GalaxyBox,
  type BatchSource,
  type InitContext,
} from '@pixsed/core';
import { checkGrids, errorPlaneToSigmaNjy, fluxConversion, type FitsHeader } from '@pixsed/fits';
import { listHdus, openFitsImage, type FitsImageReader } from '@pixsed/fits/node';
import { planeFileName, surveys, surveySchema, type PlaneSpec, type Survey } from '@pixsed/surveys';
import { readCatalog, type GalaxyCatalog } from './read-catalog.js';


export const mosaicSourceSchema = z.strictObject({
  survey: z.union([z.string(), surveySchema]).default('jades').describe('survey name (jades, hst), a survey JSON/YAML file, or an inline survey definition'),
  imageDir: z.string().min(1).describe('folder with the band images, relative to the pipeline file'),
  bands: z.array(bandNameSchema).min(1).optional().describe('subset of the survey bands to read (default: all)'),
  files: z
    .record(bandNameSchema, z.strictObject({ sci: z.string(), err: z.string().optional() }))
    .optional()
    .describe('explicit file names per band, overriding the survey patterns'),
  segmentation: z.string().min(1).describe('segmentation map FITS: integer galaxy ids, 0 = background'),
  catalog: z.string().min(1).describe('galaxy catalogue (CSV or Parquet) with id, z and optional ra, dec [deg]'),
  stripRows: z.number().int().min(1).default(256).describe('output rows per strip (batch)'),
  tileColumns: z
    .number()
    .int()
    .min(0)
    .default(1024)
    .describe('output columns per tile: strips are cut into tiles this wide so memory does not grow with the mosaic width; 0 = full-width strips'),
  haloRows: z.number().int().min(0).default(0).describe('extra rows above/below (and columns left/right of tiles) for convolution (≥ kernel radius)'),
  gridTolerance: z.number().positive().default(1e-6).describe('relative tolerance of the pixel-grid check across bands'),
});
export type MosaicSourceConfig = z.infer<typeof mosaicSourceSchema>;

interface BandPlanes {
  band: string;
  sci: FitsImageReader;
  err: FitsImageReader;
  sciToNjy: number;
  errKind: Survey['files']['errorKind'];
}

async function hduIndex(file: string, hdu: PlaneSpec['hdu']): Promise<number | undefined> {
  if (hdu === undefined || typeof hdu === 'number') return hdu;
  const hdus = await listHdus(file);
  const found = hdus.find((h) => (h.extname ?? '').toUpperCase() === hdu.toUpperCase());
  if (!found) throw new ConfigError(file, [{ path: 'survey.files', message: `no HDU with EXTNAME '${hdu}' (have: ${hdus.map((h) => h.extname ?? `#${h.index}`).join(', ')})` }]);
  return found.index;
}

/** Resolve a data path: absolute, relative to the pipeline's imageDir, or under PIXSED_DATA_DIR. */
function inputPath(base: string, p: string): string {
  return isAbsolute(p) ? p : resolve(base, p);
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
export async function openMosaic(config: MosaicSourceConfig, init: Pick<InitContext, 'pipelineDir' | 'log'>): Promise<BatchSource & { survey: Survey; bands: string[]; header: FitsHeader }> {
  const survey = await resolveSurvey(config.survey, init.pipelineDir);
  const bands = config.bands ?? survey.bands.map((b) => b.name);
  for (const b of bands) {
    if (!survey.bands.some((sb) => sb.name === b)) {
      throw new ConfigError(undefined, [{ path: 'source.bands', message: `band '${b}' is not in survey '${survey.name}' (${survey.bands.map((x) => x.name).join(', ')})` }]);
    }
  }
  const dir = inputPath(init.pipelineDir, config.imageDir);
  const readers: FitsImageReader[] = [];
  const closeAll = () => Promise.allSettled(readers.map((r) => r.close()));
  try {
    const planes: BandPlanes[] = [];
    for (const band of bands) {
      const explicit = config.files?.[band];
      const sciFile = resolve(dir, explicit?.sci ?? planeFileName(survey.files.sci.pattern, band));
      const errSpec = survey.files.err;
      const errName = explicit?.err ?? (errSpec ? planeFileName(errSpec.pattern, band) : undefined);
      if (!existsSync(sciFile)) {
        throw new ConfigError(undefined, [{ path: `source.files.${band}.sci`, message: `science image for band ${band} not found: ${sciFile} (pattern '${survey.files.sci.pattern}')` }]);
      }
      if (!errName) throw new ConfigError(undefined, [{ path: `source.files.${band}.err`, message: `no error plane for band ${band}: survey '${survey.name}' has no files.err pattern` }]);
      const errFile = resolve(dir, errName);
      if (!existsSync(errFile)) {
        throw new ConfigError(undefined, [{ path: `source.files.${band}.err`, message: `error image for band ${band} not found: ${errFile}` }]);
      }
      const sci = await openFitsImage(sciFile, { hdu: explicit ? undefined : await hduIndex(sciFile, survey.files.sci.hdu) });
      readers.push(sci);
      const err = await openFitsImage(errFile, { hdu: explicit ? undefined : await hduIndex(errFile, errSpec?.hdu) });
      readers.push(err);
      const unit = sci.header.has('BUNIT') && String(sci.header.get('BUNIT')).trim() ? undefined : survey.fluxUnit;
      const conv = fluxConversion(sci.header, { unit, input: `${sciFile} (band ${band})` });
      init.log(`band ${band}: ${sciFile} [${conv.unit}] ×${conv.factor.toPrecision(6)} → nJy/px (${conv.formula})`);
      planes.push({ band, sci, err, sciToNjy: conv.factor, errKind: survey.files.errorKind });
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
      config.gridTolerance,
    );
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
    const boxes = await segmentBoxes(seg, stripRows);
    // tile index (row-major) → galaxies whose last overlapping tile it is
    const completing = new Map<number, GalaxyBox[]>();
    for (const b of boxes.values()) {
      const k = Math.floor(b.y1 / stripRows) * tilesPerRow + Math.floor(b.x1 / tileCols);
      if (!completing.has(k)) completing.set(k, []);
      completing.get(k)!.push(b);
    }
    init.log(`segmentation ${segFile}: ${boxes.size} galaxies`);
    const surveyJson = JSON.stringify(survey);
    const wcsCards = JSON.stringify(
      Object.fromEntries(Object.entries(seg.header.toRecord()).filter(([k]) => /^(CTYPE|CRVAL|CRPIX|CD\d_\d|PC\d_\d|CDELT|CUNIT|RADESYS|EQUINOX|LONPOLE|LATPOLE|[AB]P?_)/.test(k))),
    );

    return {
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
                cols[`flux_${p.band}_err_njy`] = Float32Array.from(errorPlaneToSigmaNjy(errRaw, p.errKind, p.sciToNjy));
              }
              const segRows = await seg.readRect(y0, y1, x0, x1);
              const gid = new Int32Array(n);
              const zcol = new Float32Array(n);
              const flags = new Uint32Array(n);
              for (let i = 0; i < n; i++) {
                const id = Math.round(segRows[i]);
                gid[i] = Number.isFinite(id) ? id : 0;
                if (gid[i] <= 0) {
                  gid[i] = 0;
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
                  ...stripMetadata({ x0, y0, width: w, height: y1 - y0, haloTop: c0 - y0, haloBottom: y1 - c1, haloLeft: t0 - x0, haloRight: x1 - t1, mosaicWidth: width, mosaicHeight: height }),
                  [PIXELS_KEY]: String((t1 - t0) * (c1 - c0)),
                  'pixsed.bands': bands.join(','),
                  'pixsed.survey': survey.name,
                  [SURVEY_DEFINITION_KEY]: surveyJson,
                  'pixsed.wcs': wcsCards,
                  [GALAXIES_COMPLETE_KEY]: JSON.stringify(completing.get(tile) ?? []),
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

/** A survey by name, inline, or from a JSON/YAML file (`survey: path/to/survey.json`). */
async function resolveSurvey(ref: MosaicSourceConfig['survey'], pipelineDir: string): Promise<Survey> {
  if (typeof ref === 'string' && /\.(json|ya?ml)$/i.test(ref)) {
    const file = inputPath(pipelineDir, ref);
    if (!existsSync(file)) throw new ConfigError(undefined, [{ path: 'source.survey', message: `survey file not found: ${file}` }]);
    const text = await readFile(file, 'utf8');
    return surveys.resolve((file.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as never, file);
  }
  return surveys.resolve(ref as never, 'source.survey');
}

/** Bounding boxes (inclusive, 0-based pixels) and pixel counts of every segment, in one strip-wise pass. */
async function segmentBoxes(seg: FitsImageReader, stripRows: number): Promise<Map<number, GalaxyBox>> {
  const boxes = new Map<number, GalaxyBox>();
  for (let y0 = 0; y0 < seg.height; y0 += stripRows) {
    const y1 = Math.min(seg.height, y0 + stripRows);
    const rows = await seg.readRows(y0, y1);
    for (let r = 0, i = 0; r < y1 - y0; r++) {
      for (let x = 0; x < seg.width; x++, i++) {
        const id = Math.round(rows[i]);
        if (!(id > 0)) continue;
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
  version: '0.1.0',
  description: 'stream aligned strips of a multi-band mosaic (sci + err in nJy/px, segmentation, catalogue z)',
  configSchema: mosaicSourceSchema,
  create: (config, init) => openMosaic(config, init),
});
