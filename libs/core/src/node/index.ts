export * from './data-dir.js';
export * from './arrow-ipc-sink.js';
export * from './load-pipeline.js';
