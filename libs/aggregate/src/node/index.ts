export * from './quicklook-png.js';
export * from './galaxies-sink.js';
export * from './galaxy-outputs.js';
