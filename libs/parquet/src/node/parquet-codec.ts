import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { createRequire } from 'node:module';
import type { CompressionCodec } from 'hyparquet';
import { ConfigError } from '@pixsed/core';
import type { ParquetCompression } from '../parquet-compressions.js';

type Compressor = (input: Uint8Array) => Uint8Array;

/** `zlib.zstdCompressSync` exists from Node 22.15 / 23.8; absent on Node 20. */
const zstdCompressSync = (zlib as unknown as { zstdCompressSync?: (b: Uint8Array) => Uint8Array }).zstdCompressSync;

/**
 * Snappy from the `snappy` package (napi-rs bindings to Google's C++ snappy, prebuilt per platform): 7-10x faster than
 * hyparquet-writer's pure-JS compressor on float64 columns (4 MB: 15-25 vs 140-230 ms, measured 2026-12-02), any snappy
 * decoder reads its output. Where its binary does not load (a platform without one), undefined: the built-in is used.
 */
const nativeSnappy: Compressor | undefined = (() => {
  if (process.env.PIXSED_PARQUET_JS_SNAPPY === '1') return undefined; // the pure-JS path, for its test
  try {
    const { compressSync } = createRequire(import.meta.url)('snappy') as { compressSync: (b: Uint8Array) => Uint8Array };
    return (b) => compressSync(b);
  } catch {
    return undefined;
  }
})();

/** Which snappy compressor writes: 'native' (the snappy package) or 'js' (hyparquet-writer's built-in). */
export const snappyImplementation: 'native' | 'js' = nativeSnappy ? 'native' : 'js';

/** Whether this runtime can write `compression` (zstd needs Node >= 22.15). */
export function compressionAvailable(compression: ParquetCompression): boolean {
  return compression !== 'zstd' || typeof zstdCompressSync === 'function';
}

/**
 * Parquet codec name plus the compressor hyparquet-writer needs for it (snappy: the native one where it loads, else
 * hyparquet-writer's built-in;
 * gzip and brotli use node:zlib; zstd uses node:zlib where the runtime has it).
 */
export function parquetCodec(compression: ParquetCompression): { codec: CompressionCodec; compressors: Partial<Record<CompressionCodec, Compressor>> } {
  switch (compression) {
    case 'uncompressed':
      return { codec: 'UNCOMPRESSED', compressors: {} };
    case 'snappy':
      return { codec: 'SNAPPY', compressors: nativeSnappy ? { SNAPPY: nativeSnappy } : {} };
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
