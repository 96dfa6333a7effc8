import { PHYS } from './constants.js';

export interface CosmologyParams {
  /** Hubble constant [km/s/Mpc]. */
  h0: number;
  /** Matter density today. */
  omegaM: number;
}

/** Planck 2018 (TT,TE,EE+lowE+lensing+BAO, Table 2 last column), as astropy's Planck18 without radiation. */
export const PLANCK18: CosmologyParams = { h0: 67.66, omegaM: 0.3097 };

export interface Cosmology extends CosmologyParams {
  /** Luminosity distance [Mpc]. */
  luminosityDistanceMpc(z: number): number;
  /** Luminosity distance [cm]. */
  luminosityDistanceCm(z: number): number;
  /** Age of the universe at redshift z [Gyr]. */
  ageGyr(z: number): number;
  /** Lookback time to redshift z [Gyr]. */
  lookbackTimeGyr(z: number): number;
  /** Optional: luminosity distance [cm] at z = k·dz, k = 0..n−1, in one pass (same integral, summed cumulatively). */
  luminosityDistanceCmGrid?(dz: number, n: number): Float64Array;
}

const N_SIMPSON = 1024;

/** Composite Simpson rule on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = N_SIMPSON): number {
  if (b === a) return 0;
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/**
 * Flat ΛCDM without radiation (Ω_Λ = 1 − Ω_m; equals astropy FlatLambdaCDM(H0, Om0, Tcmb0=0)).
 * D_L = (1+z) c/H0 ∫_0^z dz'/E(z'), E = sqrt(Ω_m (1+z)^3 + Ω_Λ) (Hogg 1999, eqs. 14-16, 21);
 * t(z) = ∫_0^{a} da / (a H(a)), a = 1/(1+z), integrated in u = sqrt(a) so the integrand is smooth (Hogg 1999 eq. 30).
 */
export function flatLambdaCdm(params: CosmologyParams = PLANCK18): Cosmology {
  const { h0, omegaM } = params;
  const omegaL = 1 - omegaM;
  const hubbleDistanceMpc = PHYS.cKmPerS / h0;
  const hubbleTimeGyr = (PHYS.mpcCm / 1e5 / h0) / PHYS.gyrS; // 1/H0 in Gyr
  const invE = (z: number): number => 1 / Math.sqrt(omegaM * (1 + z) ** 3 + omegaL);
  const comovingMpc = (z: number): number => hubbleDistanceMpc * simpson(invE, 0, z);
  // t(a) = (1/H0) ∫_0^sqrt(a) 2u² / sqrt(Ω_m + Ω_Λ u⁶) du
  const ageIntegrand = (u: number): number => (2 * u * u) / Math.sqrt(omegaM + omegaL * u ** 6);
  const ageGyr = (z: number): number => hubbleTimeGyr * simpson(ageIntegrand, 0, Math.sqrt(1 / (1 + z)));
  const age0 = ageGyr(0);
  return {
    h0,
    omegaM,
    luminosityDistanceMpc: (z) => (1 + z) * comovingMpc(z),
    luminosityDistanceCm: (z) => (1 + z) * comovingMpc(z) * PHYS.mpcCm,
    ageGyr,
    lookbackTimeGyr: (z) => age0 - ageGyr(z),
    luminosityDistanceCmGrid(dz, n) {
      // ∫_0^{k dz} = Σ of Simpson integrals over [i dz, (i+1) dz] (16 intervals each: error ≪ 1e-12 relative)
      const out = new Float64Array(n);
      let dc = 0;
      for (let k = 1; k < n; k++) {
        dc += simpson(invE, (k - 1) * dz, k * dz, 16);
        out[k] = (1 + k * dz) * hubbleDistanceMpc * dc * PHYS.mpcCm;
      }
      return out;
    },
  };
}
