import { batchFromColumns, column, columnsOf, defineSink, fieldMetadataOf, runLevelMetadata, SchemaError, selectColumns, STREAM_INFO_KEY, type InitContext, type StreamInfo } from '@pixsed/core';
import { FitsHeader, Wcs } from '@pixsed/fits';
import { RecordBatch, Schema } from 'apache-arrow';
import { z } from 'zod';
import { PARQUET_COMPRESSIONS } from '../parquet-compressions.js';
import { compressionAvailable } from './parquet-codec.js';
import { createParquetWriter, type ParquetFileWriter } from './create-parquet-writer.js';

export const parquetSinkSchema = z.strictObject({
  path: z.string().min(1).default('pixels.parquet').describe('output Parquet file, relative to --out'),
  rowGroupRows: z.number().int().min(1024).max(16_777_216).default(131_072).describe('rows per Parquet row group (batches are regrouped)'),
  compression: z
    .enum(PARQUET_COMPRESSIONS)
    .default('snappy')
    .refine(compressionAvailable, { message: `'zstd' needs Node >= 22.15; use 'snappy', 'gzip' or 'brotli'` })
    .describe('column chunk codec; zstd needs Node >= 22.15'),
  excludeColumns: z
    .array(z.string())
    .default(['*_samples'])
    .describe('columns not written; `*` matches any run of characters (default: per-pixel posterior sample lists)'),
  raDecColumns: z.boolean().default(false).describe('add ra_deg, dec_deg (float64, ICRS) of each pixel centre through the mosaic WCS'),
});

/** Units and meanings of the columns every pixel table has (field metadata `unit`, `quantity`), where the batch does not state them. */
function knownColumns(stream: StreamInfo): Record<string, Record<string, string>> {
  const flags = stream.flags.map((f) => `${f.bit} ${f.name}`).join(', ');
  return {
    x: { unit: 'pix', quantity: '0-based mosaic column of the pixel centre (FITS x - 1)' },
    y: { unit: 'pix', quantity: '0-based mosaic row of the pixel centre (FITS y - 1)' },
    galaxy_id: { unit: '', quantity: 'segmentation id of the galaxy the pixel belongs to' },
    z: { unit: '', quantity: "redshift of the pixel's galaxy (input catalogue)" },
    flags: { unit: '', quantity: `quality bitmask, OR of 2**bit; bits: ${flags}` },
    missing_bands: { unit: '', quantity: `bitmask of the bands missing at this pixel; bit i = band ${stream.bands.map((b, i) => `${i} ${b.name}`).join(', ')}` },
    ra_deg: { unit: 'deg', quantity: 'right ascension of the pixel centre (mosaic WCS)' },
    dec_deg: { unit: 'deg', quantity: 'declination of the pixel centre (mosaic WCS)' },
  };
}

/** ra_deg, dec_deg of every row's (x, y) through the stream's WCS, appended to the batch. */
function withRaDec(batch: RecordBatch, wcs: Wcs): RecordBatch {
  const x = column(batch, 'x', 'parquet');
  const y = column(batch, 'y', 'parquet');
  const ra = new Float64Array(batch.numRows);
  const dec = new Float64Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) [ra[i], dec[i]] = wcs.pixelToWorld(x[i], y[i]);
  return batchFromColumns({ ...columnsOf(batch), ra_deg: ra, dec_deg: dec }, batch.schema.metadata, fieldMetadataOf(batch));
}

/** The first batch's schema with field metadata for the known columns that have none. */
function describedSchema(batch: RecordBatch, stream: StreamInfo): Schema {
  const known = knownColumns(stream);
  const units = Object.fromEntries(stream.columns.filter((c) => c.unit !== undefined).map((c) => [c.name, c.unit as string]));
  const fields = batch.schema.fields.map((f) => {
    if (f.metadata.size) return f;
    const meta = known[f.name] ?? (units[f.name] !== undefined ? { unit: units[f.name] } : undefined);
    return meta ? f.clone({ metadata: new Map(Object.entries(meta)) }) : f;
  });
  return new Schema(fields, runLevelMetadata(batch.schema.metadata), batch.schema.dictionaries);
}

/** File-level facts known at the end (`pixsed.file`): what the file holds, rows, row groups' source, bands, units, flags, provenance. */
function fileSummary(stream: StreamInfo, run: InitContext['run'], rows: number, columns: string[]): Record<string, string> {
  return {
    'pixsed.file': JSON.stringify({
      description: 'pixsed pixel table: one row per kept pixel (PSF-matched fluxes in nJy, posterior summaries per parameter, quality flags)',
      rows,
      columns,
      bands: stream.bands.map((b) => b.name),
      fluxUnit: 'nJy',
      parameters: stream.inference?.parameters ?? [],
      model: stream.inference?.model,
      samplesPerPixel: stream.inference?.samplesPerPixel,
      psfTargetBand: stream.psf?.targetBand,
      mask: stream.mask,
      flags: stream.flags,
      pixsedVersion: run?.pixsedVersion,
      configHash: run?.configHash,
      date: run?.startedAt,
    }),
  };
}

/** The stream's WCS, for raDecColumns; a ConfigError-like message when the stream has none. */
function pixelWcs(stream: StreamInfo): Wcs {
  if (!stream.wcs?.CTYPE1) throw new SchemaError(`parquet: raDecColumns needs a celestial WCS in the stream (the source's images have none)`);
  return Wcs.fromHeader(FitsHeader.fromRecord(Object.fromEntries(Object.entries(stream.wcs)), 'StreamInfo.wcs'));
}

/** `*_samples` → /^.*_samples$/ */
function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * Parquet sink: streams every batch to one Parquet file (hyparquet-writer), one row group at a
 * time, waiting for the file stream to drain. The columns and per-field metadata (units) come from
 * the first batch; the key-value metadata is the run's: the StreamInfo (`pixsed.stream`) and the
 * batch's run-level entries (provenance), not the first batch's strip geometry or completed galaxies.
 */
export const parquetSink = defineSink({
  name: 'parquet',
  version: '0.2.0',
  description: 'write all rows to a Parquet file (readable by pandas/pyarrow/DuckDB)',
  configSchema: parquetSinkSchema,
  async create({ path, rowGroupRows, compression, excludeColumns, raDecColumns }, init) {
    const wcs = raDecColumns ? pixelWcs(init.stream) : undefined;
    // a temporary path of the run's output transaction: renamed to <out>/<path> when the run completes
    const file = init.output.path(path, 'parquet.path');
    const writer: ParquetFileWriter = await createParquetWriter(file, { rowGroupRows, compression, metadata: { [STREAM_INFO_KEY]: JSON.stringify(init.stream) } }).catch((err) => {
      throw init.output.ioError(err, file);
    });
    const excluded = excludeColumns.map(globToRegExp);
    let batches = 0;
    let columns: string[] = [];
    return {
      async write(batch: RecordBatch) {
        const keep = batch.schema.fields.map((f) => f.name).filter((n) => !excluded.some((r) => r.test(n)));
        const kept = keep.length === batch.schema.fields.length ? batch : selectColumns(batch, keep);
        const selected = wcs ? withRaDec(kept, wcs) : kept;
        // the writer takes its key-value metadata from the first batch: keep only the run-level entries, and describe the known columns
        const runLevel = batches === 0 ? new RecordBatch(describedSchema(selected, init.stream), selected.data) : selected;
        if (batches === 0) columns = selected.schema.fields.map((f) => f.name);
        await writer.write(runLevel).catch((err) => {
          throw init.output.ioError(err, file);
        });
        batches++;
      },
      async close() {
        if (batches === 0) {
          await writer.abort();
          init.log(`parquet: no batches reached the sink, ${init.output.finalPath(file)} not written`);
          return [];
        }
        await writer.close(fileSummary(init.stream, init.run, writer.rows, columns)).catch((err) => {
          throw init.output.ioError(err, file);
        });
        return [file];
      },
      async abort() {
        await writer.abort();
      },
    };
  },
});
