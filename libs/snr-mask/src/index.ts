export * from './snr-mask-stage.js';
