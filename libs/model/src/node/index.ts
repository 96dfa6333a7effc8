export * from './onnx-sampler.js';
export * from './posterior-model.js';
export * from './ppc-emulator.js';
export * from './onnx-session.js';
export * from '../sampling-limits.js';
export * from './affine-flow.js';
