/**
 * Nebular emission per unit Hβ luminosity at several gas metallicities (from CIGALE's Inoue 2011 tables):
 * line luminosity ratios L_line/L(Hβ) and continuum L_λ/L(Hβ) [1/Å].
 */
export interface NebularTables {
  /** Gas metallicities Z (mass fraction), increasing. */
  metallicityZ: Float64Array;
  /** Line rest wavelengths [Å] (nLine). */
  lineWavelengthAngstrom: Float64Array;
  /** L_line / L(Hβ), [nZ][nLine]. */
  lineRatio: Float64Array;
  /** Continuum rest wavelengths [Å] (nCont). */
  continuumWavelengthAngstrom: Float64Array;
  /** L_λ,cont / L(Hβ) [1/Å], [nZ][nCont]. */
  continuumPerHbeta: Float64Array;
  /** Which table column was used (provenance). */
  column: number;
}
