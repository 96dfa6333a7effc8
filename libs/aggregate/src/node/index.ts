export * from './galaxies-sink.js';
export * from './galaxy-figures.js';
export * from './galaxy-outputs.js';
export * from './shard-rows.js';
export * from './tile-maps-sink.js';
