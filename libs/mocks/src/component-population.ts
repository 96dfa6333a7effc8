import { delayedTauSfh, metallicityBracket, sfhSummary, sspAgeBinEdges, sspMassFractions, type PhotometryEngine } from '@pixsed/simulator';
import type { GalaxyComponent } from './mosaic-config.js';

/** Integrated stellar population of one galaxy component at its redshift. */
export interface ComponentPopulation {
  /** Surviving (living + remnant) stellar mass [Msun] (= 10^logMstar). */
  massMsun: number;
  /** Formed stellar mass [Msun]. */
  formedMassMsun: number;
  /** SFR averaged over the last 100 Myr [Msun/yr]. */
  sfr100MsunPerYr: number;
  /** Formed-mass-weighted lookback age [yr]. */
  ageMwYr: number;
  metallicity: number;
  avMag: number;
  /** Noiseless total flux per engine band [nJy] (engine.bands order). */
  fluxNjy: Float64Array;
}

/**
 * SED of a component: delayed-τ SFH → SSP formed-mass weights (`sspMassFractions`), surviving fraction at the
 * component metallicity, formed mass = M_star / f_surv, band fluxes from the simulator's photometry engine (same path as
 * `generateCatalog`). Throws RangeError when the SFH starts before the Big Bang (ageGyr > t_univ(z)).
 */
export function componentPopulation(engine: PhotometryEngine, zRedshift: number, c: GalaxyComponent): ComponentPopulation {
  const grid = engine.grid;
  const nA = grid.ageGyr.length;
  const tUniv = engine.cosmology.ageGyr(zRedshift);
  if (c.sfh.ageGyr > tUniv) {
    throw new RangeError(`${c.kind}: SFH age ${c.sfh.ageGyr} Gyr exceeds the age of the universe at z=${zRedshift} (${tUniv.toFixed(3)} Gyr)`);
  }
  const sfh = delayedTauSfh(c.sfh.tauGyr, c.sfh.ageGyr);
  const frac = sspMassFractions(sfh, sspAgeBinEdges(grid.ageGyr));
  const { i0, i1, w1 } = metallicityBracket(grid, c.metallicity);
  const surv = new Float64Array(nA);
  for (let j = 0; j < nA; j++) surv[j] = grid.survivingMassFraction[i0 * nA + j] * (1 - w1) + grid.survivingMassFraction[i1 * nA + j] * w1;
  const s = sfhSummary(sfh, frac, surv);
  const massMsun = Math.pow(10, c.logMstar);
  const formed = massMsun / s.survivingFraction;
  const sspMass = Float64Array.from(frac, (f) => f * formed);
  const fluxNjy = engine.bandFluxesNjy({ z: zRedshift, logZsol: c.metallicity, avMag: c.avMag, avBirthCloudExtraMag: 0, sspMassFormedMsun: sspMass }, new Float64Array(engine.bands.length));
  return {
    massMsun,
    formedMassMsun: formed,
    sfr100MsunPerYr: formed * s.sfr100PerFormed,
    ageMwYr: s.massWeightedAgeGyr * 1e9,
    metallicity: c.metallicity,
    avMag: c.avMag,
    fluxNjy,
  };
}
