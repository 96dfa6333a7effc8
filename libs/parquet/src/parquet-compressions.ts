/** Compression codecs the Parquet writer accepts (config values, lower case). */
export const PARQUET_COMPRESSIONS = ['uncompressed', 'snappy', 'gzip', 'brotli', 'zstd'] as const;

export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];
