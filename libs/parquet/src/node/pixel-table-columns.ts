import { batchFromColumns, column, columnsOf, fieldMetadataOf, runLevelMetadata, SchemaError, type StreamInfo } from '@pixsed/core';
import { FitsHeader, Wcs } from '@pixsed/fits';
import { RecordBatch, Schema } from 'apache-arrow';

// Column helpers shared by the pixel-table sinks (parquet, fits-table).

/** The stream's WCS, for raDecColumns; a ConfigError-like message when the stream has none. */
export function pixelWcs(stream: StreamInfo): Wcs {
  if (!stream.wcs?.CTYPE1) throw new SchemaError(`parquet: raDecColumns needs a celestial WCS in the stream (the source's images have none)`);
  return Wcs.fromHeader(FitsHeader.fromRecord(Object.fromEntries(Object.entries(stream.wcs)), 'StreamInfo.wcs'));
}

/** `*_samples` → /^.*_samples$/ */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Units and meanings of the columns every pixel table has (field metadata `unit`, `quantity`), where the batch does not state them. */
export function knownColumns(stream: StreamInfo): Record<string, Record<string, string>> {
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
export function withRaDec(batch: RecordBatch, wcs: Wcs): RecordBatch {
  const x = column(batch, 'x', 'parquet');
  const y = column(batch, 'y', 'parquet');
  const ra = new Float64Array(batch.numRows);
  const dec = new Float64Array(batch.numRows);
  for (let i = 0; i < batch.numRows; i++) [ra[i], dec[i]] = wcs.pixelToWorld(x[i], y[i]);
  return batchFromColumns({ ...columnsOf(batch), ra_deg: ra, dec_deg: dec }, batch.schema.metadata, fieldMetadataOf(batch));
}

/** The first batch's schema with field metadata for the known columns that have none. */
export function describedSchema(batch: RecordBatch, stream: StreamInfo): Schema {
  const known = knownColumns(stream);
  const units = Object.fromEntries(stream.columns.filter((c) => c.unit !== undefined).map((c) => [c.name, c.unit as string]));
  const fields = batch.schema.fields.map((f) => {
    if (f.metadata.size) return f;
    const meta = known[f.name] ?? (units[f.name] !== undefined ? { unit: units[f.name] } : undefined);
    return meta ? f.clone({ metadata: new Map(Object.entries(meta)) }) : f;
  });
  return new Schema(fields, runLevelMetadata(batch.schema.metadata), batch.schema.dictionaries);
}

