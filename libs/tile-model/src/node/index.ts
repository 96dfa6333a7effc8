export * from './tile-model.js';
export * from './tile-model-stage.js';
