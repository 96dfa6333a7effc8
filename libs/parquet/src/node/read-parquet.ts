import { readFile } from 'node:fs/promises';
import { DataFileError } from '@pixsed/core';
import { decodeParquet, type DecodeParquetOptions, type ParquetColumns } from '../decode-parquet.js';

/**
 * Read a whole Parquet file (catalogues, pixel tables written by `createParquetWriter` or by
 * pandas/pyarrow/DuckDB) into columns with hyparquet. Errors name the file.
 */
export async function readParquet(path: string, options: DecodeParquetOptions = {}): Promise<ParquetColumns> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new DataFileError(path, undefined, `cannot read Parquet file: ${(cause as Error).message}`);
  }
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    return await decodeParquet(ab, options);
  } catch (cause) {
    throw new DataFileError(path, undefined, `not a readable Parquet file: ${(cause as Error).message}`);
  }
}
