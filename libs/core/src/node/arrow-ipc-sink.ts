import { createWriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { RecordBatch, RecordBatchStreamWriter, Schema } from 'apache-arrow';
import { z } from 'zod';
import { SchemaError } from '../errors.js';
import { defineSink } from '../stage.js';
import { makeDirectory } from './output-transaction.js';
import { runLevelMetadata } from '../strip-geometry.js';
import { STREAM_INFO_KEY } from '../stream-info.js';

export const arrowIpcSinkSchema = z.strictObject({
  path: z.string().min(1).default('pixels.arrows').describe('output file (Arrow IPC stream format), relative to --out'),
});

function sameFields(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i].name && String(f.type) === String(b.fields[i].type));
}

/**
 * Arrow IPC stream sink. The columns are fixed by the first batch; the schema metadata is the run's:
 * the StreamInfo (`pixsed.stream`) and the batch's run-level entries (provenance), without the
 * first batch's per-batch entries (strip geometry, completed galaxies). Writes wait for the file stream to drain.
 */
export const arrowIpcSink = defineSink({
  name: 'arrow-ipc',
  version: '0.2.0',
  description: 'write all rows to an Arrow IPC stream file',
  configSchema: arrowIpcSinkSchema,
  async create({ path }, init) {
    // a temporary path of the run's output transaction: renamed to <out>/<path> when the run completes
    const file = init.output.path(path, 'arrow-ipc.path');
    await makeDirectory(dirname(file));
    const out = createWriteStream(file);
    let failure: Error | undefined;
    out.on('error', (err) => {
      failure ??= init.output.ioError(err, file);
    });
    const writer = new RecordBatchStreamWriter();
    const readable = writer.toNodeStream();
    readable.pipe(out);
    let schema: Schema | undefined;
    return {
      async write(batch: RecordBatch) {
        if (!schema) {
          const meta = runLevelMetadata(batch.schema.metadata);
          meta.set(STREAM_INFO_KEY, JSON.stringify(init.stream));
          schema = new Schema(batch.schema.fields, meta, batch.schema.dictionaries);
        }
        else if (!sameFields(schema, batch.schema)) {
          throw new SchemaError(`${file}: batch columns (${batch.schema.fields.map((f) => f.name).join(', ')}) differ from the first batch's`);
        }
        try {
          if (failure) throw failure;
          writer.write(new RecordBatch(schema, batch.data));
          if (out.writableNeedDrain) await once(out, 'drain');
        } catch (err) {
          throw failure ?? init.output.ioError(err, file);
        }
        if (failure) throw failure;
      },
      async close() {
        try {
          if (failure) throw failure;
          writer.finish();
          if (!out.writableFinished) await once(out, 'finish');
        } catch (err) {
          throw failure ?? init.output.ioError(err, file);
        }
        if (failure) throw failure;
        return [file];
      },
      async abort() {
        // apache-arrow's abort() on a writer that never got a batch rejects an internal read ({ done: true }) unhandled: close it instead
        if (schema) writer.abort();
        else writer.close();
        out.destroy();
      },
    };
  },
});
