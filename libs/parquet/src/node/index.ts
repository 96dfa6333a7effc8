export * from './create-parquet-writer.js';
export * from './read-parquet.js';
export * from './parquet-sink.js';
export * from './parquet-codec.js';
export * from './read-parquet-row-groups.js';
export * from './fits-table-sink.js';
