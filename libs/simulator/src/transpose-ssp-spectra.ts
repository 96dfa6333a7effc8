/**
 * SSP spectra from [Z][age][λ] (SspGrid order) to [Z][λ][age], contiguous in age, so that the composite at one λ is a
 * short dot product with the per-object mass vector.
 */
export function transposeSspSpectra(lLambda: Float64Array, nZ: number, nA: number, nW: number): Float64Array {
  const lT = new Float64Array(nZ * nW * nA);
  for (let k = 0; k < nZ; k++)
    for (let j = 0; j < nA; j++) {
      const src = (k * nA + j) * nW;
      for (let i = 0; i < nW; i++) lT[(k * nW + i) * nA + j] = lLambda[src + i];
    }
  return lT;
}
