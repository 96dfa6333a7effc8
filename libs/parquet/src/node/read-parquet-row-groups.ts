import { DataFileError } from '@pixsed/core';
import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema, type AsyncBuffer } from 'hyparquet';
import { decodeParquet, type ParquetColumns } from '../decode-parquet.js';

export interface ParquetRowGroups {
  numRows: number;
  /** Column names in file order and whether each is a flat numeric leaf (FLOAT, DOUBLE, INT32, INT64). */
  fields: { name: string; physicalType: string | undefined }[];
  /** Decoded row groups in order (one at a time: memory is one row group). */
  groups(): AsyncGenerator<ParquetColumns>;
}

/** Open a Parquet file for reading row group by row group (bounded memory). Errors name the file. */
export async function readParquetRowGroups(path: string): Promise<ParquetRowGroups> {
  let file: AsyncBuffer;
  let meta: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    meta = await parquetMetadataAsync(file);
  } catch (cause) {
    throw new DataFileError(path, undefined, `not a readable Parquet file: ${(cause as Error).message}`);
  }
  const fields = parquetSchema(meta).children.map((c) => ({ name: c.element.name, physicalType: c.children.length ? undefined : c.element.type }));
  return {
    numRows: Number(meta.num_rows),
    fields,
    async *groups() {
      let start = 0;
      for (const g of meta.row_groups) {
        const end = start + Number(g.num_rows);
        try {
          yield await decodeParquet(file, { rowStart: start, rowEnd: end });
        } catch (cause) {
          throw new DataFileError(path, undefined, `cannot decode rows ${start}–${end - 1}: ${(cause as Error).message}`);
        }
        start = end;
      }
    },
  };
}
