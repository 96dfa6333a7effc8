import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { once } from 'node:events';
import { RecordBatch, RecordBatchStreamWriter, type Schema } from 'apache-arrow';
import { z } from 'zod';
import { SchemaError } from '../errors.js';
import { defineSink } from '../stage.js';

export const arrowIpcSinkSchema = z.strictObject({
  path: z.string().min(1).default('pixels.arrows').describe('output file (Arrow IPC stream format), relative to --out'),
});

function sameFields(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i].name && String(f.type) === String(b.fields[i].type));
}

/**
 * Arrow IPC stream sink. The schema (and its metadata: provenance) is fixed by the first batch;
 * per-batch geometry metadata is not repeated. Writes wait for the file stream to drain.
 */
export const arrowIpcSink = defineSink({
  name: 'arrow-ipc',
  version: '0.1.0',
  description: 'write all rows to an Arrow IPC stream file',
  configSchema: arrowIpcSinkSchema,
  async create({ path }, init) {
    const file = resolve(init.outDir, path);
    await mkdir(dirname(file), { recursive: true });
    const out = createWriteStream(file);
    const writer = new RecordBatchStreamWriter();
    const readable = writer.toNodeStream();
    readable.pipe(out);
    let schema: Schema | undefined;
    return {
      async write(batch: RecordBatch) {
        if (!schema) schema = batch.schema;
        else if (!sameFields(schema, batch.schema)) {
          throw new SchemaError(`${file}: batch columns (${batch.schema.fields.map((f) => f.name).join(', ')}) differ from the first batch's`);
        }
        writer.write(new RecordBatch(schema, batch.data));
        if (out.writableNeedDrain) await once(out, 'drain');
      },
      async close() {
        writer.finish();
        await once(out, 'finish');
        return [file];
      },
      async abort() {
        writer.abort();
        out.destroy();
      },
    };
  },
});
