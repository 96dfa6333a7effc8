/** Physical constants in cgs (CODATA 2018 exact values where defined) and unit conversions. */
export const PHYS = {
  /** Speed of light [cm/s]. */
  cCmPerS: 2.99792458e10,
  /** Speed of light [Å/s]. */
  cAngstromPerS: 2.99792458e18,
  /** Speed of light [km/s]. */
  cKmPerS: 299792.458,
  /** Planck constant [erg s]. */
  hErgS: 6.62607015e-27,
  /** Megaparsec [cm] (IAU 2015: 1 pc = 648000/π au). */
  mpcCm: 3.0856775814913673e24,
  /** Gigayear [s] (Julian year, as astropy). */
  gyrS: 3.15576e16,
  /** Solar luminosity is not needed: SSP tables are per M☉ formed in erg/s/Å. */
  /** 1 nJy in erg/s/cm²/Hz. */
  njyCgs: 1e-32,
  /** AB zero point: 3631 Jy in erg/s/cm²/Hz. */
  abZeroPointCgs: 3631e-23,
  /** Case-B L(Hβ) per ionising photon rate [erg] (Osterbrock & Ferland 2006, T = 1e4 K): L(Hβ) = 4.757e-13 Q(H). */
  hbetaErgPerIonisingPhoton: 4.757e-13,
  /** Lyman limit [Å]. */
  lymanLimitAngstrom: 911.8,
} as const;
