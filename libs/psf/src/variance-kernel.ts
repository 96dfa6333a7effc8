import type { Image2D, ImageLike } from './types.js';

/**
 * Kernel for propagating per-pixel variance through a convolution: for independent pixels,
 * Var[(I * K)(x)] = sum_j K_j^2 Var[I(x - j)], i.e. var_out = var * K^2 (element-wise square).
 * The output pixels become correlated (covariance ~ var * (K star K)), which this does not track.
 */
export function varianceKernel(kernel: ImageLike): Image2D {
  const data = new Float64Array(kernel.data.length);
  for (let i = 0; i < data.length; i++) data[i] = kernel.data[i] * kernel.data[i];
  return { width: kernel.width, height: kernel.height, data };
}
