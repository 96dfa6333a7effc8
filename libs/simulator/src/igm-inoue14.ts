/**
 * Inoue et al. (2014, MNRAS 442, 1805) Table 2: Lyman-series wavelengths λ_j [Å] (j = 2..40) and
 * coefficients A_LAF,j1..3 (eq. 21) and A_DLA,j1..2 (eq. 22).
 */
const LYMAN_SERIES: readonly (readonly [number, number, number, number, number, number])[] = [
  [1215.67, 1.69e-2, 2.354e-3, 1.026e-4, 1.617e-4, 5.39e-5],
  [1025.72, 4.692e-3, 6.536e-4, 2.849e-5, 1.545e-4, 5.151e-5],
  [972.537, 2.239e-3, 3.119e-4, 1.36e-5, 1.498e-4, 4.992e-5],
  [949.743, 1.319e-3, 1.837e-4, 8.01e-6, 1.46e-4, 4.868e-5],
  [937.803, 8.707e-4, 1.213e-4, 5.287e-6, 1.429e-4, 4.763e-5],
  [930.748, 6.178e-4, 8.606e-5, 3.752e-6, 1.402e-4, 4.672e-5],
  [926.226, 4.609e-4, 6.421e-5, 2.799e-6, 1.377e-4, 4.59e-5],
  [923.15, 3.569e-4, 4.971e-5, 2.167e-6, 1.355e-4, 4.516e-5],
  [920.963, 2.843e-4, 3.96e-5, 1.726e-6, 1.335e-4, 4.448e-5],
  [919.352, 2.318e-4, 3.229e-5, 1.407e-6, 1.316e-4, 4.385e-5],
  [918.129, 1.923e-4, 2.679e-5, 1.168e-6, 1.298e-4, 4.326e-5],
  [917.181, 1.622e-4, 2.259e-5, 9.847e-7, 1.281e-4, 4.271e-5],
  [916.429, 1.385e-4, 1.929e-5, 8.41e-7, 1.265e-4, 4.218e-5],
  [915.824, 1.196e-4, 1.666e-5, 7.263e-7, 1.25e-4, 4.168e-5],
  [915.329, 1.043e-4, 1.453e-5, 6.334e-7, 1.236e-4, 4.12e-5],
  [914.919, 9.174e-5, 1.278e-5, 5.571e-7, 1.222e-4, 4.075e-5],
  [914.576, 8.128e-5, 1.132e-5, 4.936e-7, 1.209e-4, 4.031e-5],
  [914.286, 7.251e-5, 1.01e-5, 4.403e-7, 1.197e-4, 3.989e-5],
  [914.039, 6.505e-5, 9.062e-6, 3.95e-7, 1.185e-4, 3.949e-5],
  [913.826, 5.868e-5, 8.174e-6, 3.563e-7, 1.173e-4, 3.91e-5],
  [913.641, 5.319e-5, 7.409e-6, 3.23e-7, 1.162e-4, 3.872e-5],
  [913.48, 4.843e-5, 6.746e-6, 2.941e-7, 1.151e-4, 3.836e-5],
  [913.339, 4.427e-5, 6.167e-6, 2.689e-7, 1.14e-4, 3.8e-5],
  [913.215, 4.063e-5, 5.66e-6, 2.467e-7, 1.13e-4, 3.766e-5],
  [913.104, 3.738e-5, 5.207e-6, 2.27e-7, 1.12e-4, 3.732e-5],
  [913.006, 3.454e-5, 4.811e-6, 2.097e-7, 1.11e-4, 3.7e-5],
  [912.918, 3.199e-5, 4.456e-6, 1.943e-7, 1.101e-4, 3.668e-5],
  [912.839, 2.971e-5, 4.139e-6, 1.804e-7, 1.091e-4, 3.637e-5],
  [912.768, 2.766e-5, 3.853e-6, 1.68e-7, 1.082e-4, 3.607e-5],
  [912.703, 2.582e-5, 3.596e-6, 1.568e-7, 1.073e-4, 3.578e-5],
  [912.645, 2.415e-5, 3.364e-6, 1.466e-7, 1.065e-4, 3.549e-5],
  [912.592, 2.263e-5, 3.153e-6, 1.375e-7, 1.056e-4, 3.521e-5],
  [912.543, 2.126e-5, 2.961e-6, 1.291e-7, 1.048e-4, 3.493e-5],
  [912.499, 2.0e-5, 2.785e-6, 1.214e-7, 1.04e-4, 3.466e-5],
  [912.458, 1.885e-5, 2.625e-6, 1.145e-7, 1.032e-4, 3.44e-5],
  [912.42, 1.779e-5, 2.479e-6, 1.08e-7, 1.024e-4, 3.414e-5],
  [912.385, 1.682e-5, 2.343e-6, 1.022e-7, 1.017e-4, 3.389e-5],
  [912.353, 1.593e-5, 2.219e-6, 9.673e-8, 1.009e-4, 3.364e-5],
  [912.324, 1.51e-5, 2.103e-6, 9.169e-8, 1.002e-4, 3.339e-5],
];

// flat copies of Table 2 for the inner loop
const LS_N = LYMAN_SERIES.length;
const LS_LAMBDA = Float64Array.from(LYMAN_SERIES, (r) => r[0]);
const LS_COEF = Float64Array.from(LYMAN_SERIES.flatMap((r) => r.slice(1)));
// LAF coefficients divided by λ_j^p (p = 1.2, 3.7, 5.5): A (λ/λ_j)^p = (A λ_j^−p) λ^p, so one power of λ_obs per call
const LS_LAF_SCALED = Float64Array.from(LYMAN_SERIES.flatMap((r) => [r[1] * r[0] ** -1.2, r[2] * r[0] ** -3.7, r[3] * r[0] ** -5.5]));

/** Lyman limit used by Inoue et al. (2014) eqs. 25-28 [Å]. */
const LAMBDA_L = 911.8;

/** Mean IGM optical depth τ(λ_obs, z_S) of Inoue et al. (2014): eqs. 21-22 (Lyman series) + 25-28 (Lyman continuum). */
export function igmOpticalDepthInoue14(wavelengthObsAngstrom: number, zSource: number): number {
  const lo = wavelengthObsAngstrom;
  const zp1 = 1 + zSource;
  let tau = 0;
  // Lyman series, LAF (eq. 21) and DLA (eq. 22), for λ_j < λ_obs < λ_j (1+z_S); λ_obs^p evaluated once (LS_LAF_SCALED)
  if (lo < LS_LAMBDA[0] * zp1) {
    const lnLo = Math.log(lo);
    const p12 = Math.exp(1.2 * lnLo);
    const p37 = Math.exp(3.7 * lnLo);
    const p55 = Math.exp(5.5 * lnLo);
    for (let j = 0; j < LS_N; j++) {
      const lj = LS_LAMBDA[j];
      if (lo <= lj || lo >= lj * zp1) continue;
      const r = lo / lj;
      const c = j * 5;
      const q = j * 3;
      tau += r < 2.2 ? LS_LAF_SCALED[q] * p12 : r < 5.7 ? LS_LAF_SCALED[q + 1] * p37 : LS_LAF_SCALED[q + 2] * p55;
      tau += r < 3 ? LS_COEF[c + 3] * r * r : LS_COEF[c + 4] * r * r * r;
    }
  }
  // Lyman continuum: only for λ_obs < λ_L (1+z_S)
  if (lo < LAMBDA_L * zp1) {
    const x = lo / LAMBDA_L;
    // LAF (eq. 25)
    if (zSource < 1.2) {
      tau += 0.325 * (x ** 1.2 - zp1 ** -0.9 * x ** 2.1);
    } else if (zSource < 4.7) {
      tau +=
        x < 2.2
          ? 2.55e-2 * zp1 ** 1.6 * x ** 2.1 + 0.325 * x ** 1.2 - 0.25 * x ** 2.1
          : 2.55e-2 * (zp1 ** 1.6 * x ** 2.1 - x ** 3.7);
    } else {
      tau +=
        x < 2.2
          ? 5.22e-4 * zp1 ** 3.4 * x ** 2.1 + 0.325 * x ** 1.2 - 3.14e-2 * x ** 2.1
          : x < 5.7
            ? 5.22e-4 * zp1 ** 3.4 * x ** 2.1 + 0.218 * x ** 2.1 - 2.55e-2 * x ** 3.7
            : 5.22e-4 * (zp1 ** 3.4 * x ** 2.1 - x ** 5.5);
    }
    // DLA (eq. 28)
    if (zSource < 2) {
      tau += 0.211 * zp1 ** 2 - 7.66e-2 * zp1 ** 2.3 * x ** -0.3 - 0.135 * x ** 2;
    } else {
      tau +=
        x < 3
          ? 0.634 + 4.7e-2 * zp1 ** 3 - 1.78e-2 * zp1 ** 3.3 * x ** -0.3 - 0.135 * x ** 2 - 0.291 * x ** -0.3
          : 4.7e-2 * zp1 ** 3 - 1.78e-2 * zp1 ** 3.3 * x ** -0.3 - 2.92e-2 * x ** 3;
    }
  }
  return tau;
}

/** Mean IGM transmission exp(−τ) of Inoue et al. (2014) at observed wavelength λ_obs [Å] for a source at z_S. */
export function igmTransmissionInoue14(wavelengthObsAngstrom: number, zSource: number): number {
  if (zSource <= 0) return 1;
  return Math.exp(-igmOpticalDepthInoue14(wavelengthObsAngstrom, zSource));
}
