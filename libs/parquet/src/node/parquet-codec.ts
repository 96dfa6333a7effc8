import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import type { CompressionCodec } from 'hyparquet';
import { ConfigError } from '@pixsed/core';
import type { ParquetCompression } from '../parquet-compressions.js';

type Compressor = (input: Uint8Array) => Uint8Array;

/** `zlib.zstdCompressSync` exists from Node 22.15 / 23.8; absent on Node 20. */
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Uint8Array }).zstdCompressSync;

/** Whether this runtime can write `compression` (zstd needs Node >= 22.15). */
export function compressionAvailable(compression: ParquetCompression): boolean {
  return compression !== 'zstd' || typeof zstdCompressSync === 'function';
}

/**
 * Parquet codec name plus the compressor hyparquet-writer needs for it (snappy is built in;
 * gzip and brotli use node:zlib; zstd uses node:zlib where the runtime has it).
 */
export function parquetCodec(compression: ParquetCompression): { codec: CompressionCodec; compressors: Partial<Record<CompressionCodec, Compressor>> } {
  switch (compression) {
    case 'uncompressed':
      return { codec: 'UNCOMPRESSED', compressors: {} };
    case 'snappy':
      return { codec: 'SNAPPY', compressors: {} };
    case 'gzip':
      return { codec: 'GZIP', compressors: { GZIP: (b) => gzipSync(b, { level: 6 }) } };
    case 'brotli':
      return { codec: 'BROTLI', compressors: { BROTLI: (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }) } };
    case 'zstd': {
      const zstd = zstdCompressSync;
      if (!zstd) {
        const message = `'zstd' needs Node >= 22.15 (zlib.zstdCompressSync); this is Node ${process.versions.node}: use 'snappy', 'gzip' or 'brotli'`;
        throw new ConfigError(undefined, [{ path: 'compression', message }], 'parquet writer options');
      }
      return { codec: 'ZSTD', compressors: { ZSTD: (b) => zstd(b) } };
    }
  }
}
