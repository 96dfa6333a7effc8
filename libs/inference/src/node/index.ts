export * from './inference-stage.js';
