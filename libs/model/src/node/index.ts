export * from './onnx-sampler.js';
