/** A 2-D image in row-major order (`data[y * width + x]`). */
export interface Image2D {
  width: number;
  height: number;
  data: Float64Array;
}

/** Any row-major 2-D array the algorithms accept as input (read-only). */
export interface ImageLike {
  width: number;
  height: number;
  data: ArrayLike<number>;
}
