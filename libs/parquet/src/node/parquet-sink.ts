import { defineSink, selectColumns, STREAM_INFO_KEY, type InitContext, type StreamInfo } from '@pixsed/core';
import { describedSchema, globToRegExp, pixelWcs, withRaDec } from './pixel-table-columns.js';
import { RecordBatch } from 'apache-arrow';
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
