export * from './decode-parquet.js';
export * from './parquet-compressions.js';
export * from './parquet-schema-of.js';
