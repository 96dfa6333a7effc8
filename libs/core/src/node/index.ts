export * from './data-dir.js';
export * from './arrow-ipc-sink.js';
export * from './load-pipeline.js';
export * from './npy-file.js';
export * from './output-transaction.js';
export * from './pipeline-inputs.js';
export * from './python-executable.js';
export * from './csv-records.js';
