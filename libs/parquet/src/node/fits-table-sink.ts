import { column, defineSink, selectColumns, SchemaError } from '@pixsed/core';
import { flagBitCards, provenanceCards } from '@pixsed/fits';
import { createFitsTableWriter, type FitsTableColumn, type FitsTableStreamWriter } from '@pixsed/fits/node';
import type { RecordBatch } from 'apache-arrow';
import { z } from 'zod';
import { describedSchema, globToRegExp, pixelWcs, withRaDec } from './pixel-table-columns.js';

export const fitsTableSinkSchema = z.strictObject({
  path: z.string().min(1).default('pixels.fits').describe('output FITS file (binary table PIXELS), relative to --out'),
  excludeColumns: z.array(z.string()).default(['*_samples']).describe('columns not written; `*` matches any run of characters (per-pixel sample lists cannot go in this table)'),
  raDecColumns: z.boolean().default(false).describe('add ra_deg, dec_deg (float64) of each pixel centre through the mosaic WCS'),
});

const NOT_FITS_UNIT = /^(log|dex|bitmask)/;

/** Arrow column type → FITS TFORM (uint32 as J with TZERO 2^31, the FITS unsigned convention). */
const TFORM: Record<string, Pick<FitsTableColumn, 'type' | 'zero'>> = {
  Float32: { type: 'E' },
  Float64: { type: 'D' },
  Int32: { type: 'J' },
  Uint32: { type: 'J', zero: 2147483648 },
  Int16: { type: 'I' },
  Uint8: { type: 'B' },
};

/**
 * The pixel table as a FITS binary table (`PIXELS`), for readers without Parquet (astropy on Debian): the same
 * rows and columns as the parquet sink, units (TUNIT) and meanings (TCOMM) from the field metadata, the run's
 * provenance and the flag bit table in the header. Rows are streamed; NAXIS2 is set on close.
 */
export const fitsTableSink = defineSink({
  name: 'fits-table',
  version: '0.1.0',
  description: 'write all rows to a FITS binary table (astropy Table.read, TOPCAT, fitsio)',
  configSchema: fitsTableSinkSchema,
  async create({ path, excludeColumns, raDecColumns }, init) {
    const file = init.output.path(path, 'fits-table.path');
    const wcs = raDecColumns ? pixelWcs(init.stream) : undefined;
    const excluded = excludeColumns.map(globToRegExp);
    let writer: FitsTableStreamWriter | undefined;
    let names: string[] = [];
    const io = (err: unknown) => init.output.ioError(err, file);
    return {
      async write(batch: RecordBatch) {
        const keep = batch.schema.fields.map((f) => f.name).filter((n) => !excluded.some((r) => r.test(n)));
        const kept = keep.length === batch.schema.fields.length ? batch : selectColumns(batch, keep);
        const b = wcs ? withRaDec(kept, wcs) : kept;
        if (!writer) {
          const schema = describedSchema(b, init.stream);
          const columns = schema.fields.map((f): Omit<FitsTableColumn, 'values'> => {
            const form = TFORM[String(f.type)];
            if (!form) throw new SchemaError(`fits-table: column '${f.name}' has Arrow type ${String(f.type)}, which this table cannot hold (exclude it with excludeColumns)`);
            const unit = f.metadata.get('unit') || undefined;
            // units outside the FITS standard (log10(...), dex, bitmask) go in TCOMM, where readers do not parse them
            const fitsUnit = unit && !NOT_FITS_UNIT.test(unit) ? unit : undefined;
            return { name: f.name, ...form, unit: fitsUnit, description: [unit && !fitsUnit ? `[${unit}]` : '', f.metadata.get('quantity') ?? ''].join(' ').trim() || undefined };
          });
          names = columns.map((c) => c.name);
          const cards = { ...provenanceCards(init.stream, init.run, undefined), BANDS: init.stream.bands.map((x) => x.name).join(' '), ...flagBitCards(init.stream.flags) };
          writer = await createFitsTableWriter(file, { columns, extname: 'PIXELS', header: cards, primaryHeader: cards }).catch((e) => {
            throw io(e);
          });
        }
        await writer.writeRows(names.map((n) => column(b, n, 'fits-table')), b.numRows).catch((e) => {
          throw e instanceof SchemaError ? e : io(e);
        });
      },
      async close() {
        if (!writer) {
          init.log(`fits-table: no batches reached the sink, ${init.output.finalPath(file)} not written`);
          return [];
        }
        await writer.close().catch((e) => {
          throw io(e);
        });
        return [file];
      },
      async abort() {
        await writer?.abort();
      },
    };
  },
});
