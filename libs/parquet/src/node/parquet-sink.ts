import { defineSink, runLevelMetadata, selectColumns, STREAM_INFO_KEY } from '@pixsed/core';
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
});

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
  async create({ path, rowGroupRows, compression, excludeColumns }, init) {
    // a temporary path of the run's output transaction: renamed to <out>/<path> when the run completes
    const file = init.output.path(path, 'parquet.path');
    const writer: ParquetFileWriter = await createParquetWriter(file, { rowGroupRows, compression, metadata: { [STREAM_INFO_KEY]: JSON.stringify(init.stream) } }).catch((err) => {
      throw init.output.ioError(err, file);
    });
    const excluded = excludeColumns.map(globToRegExp);
    let batches = 0;
    return {
      async write(batch: RecordBatch) {
        const keep = batch.schema.fields.map((f) => f.name).filter((n) => !excluded.some((r) => r.test(n)));
        const selected = keep.length === batch.schema.fields.length ? batch : selectColumns(batch, keep);
        // the writer takes its key-value metadata from the first batch: keep only the run-level entries
        const runLevel = batches === 0 ? new RecordBatch(new Schema(selected.schema.fields, runLevelMetadata(selected.schema.metadata), selected.schema.dictionaries), selected.data) : selected;
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
        await writer.close().catch((err) => {
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
