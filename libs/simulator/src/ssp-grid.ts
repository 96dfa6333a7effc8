/**
 * A simple-stellar-population grid: L_λ per M☉ formed on (metallicity, age, wavelength).
 * Plug-in format for FSPS/BC03/Maraston grids; see README "SSP grid format".
 */
export interface SspGrid {
  /** Name for provenance, e.g. `maraston05-kroupa-rhb`. */
  name: string;
  /** SSP ages [Gyr], strictly increasing (nAge). */
  ageGyr: Float64Array;
  /** Metallicities [Z/H] = log10(Z/Z☉), strictly increasing (nZ). */
  metallicityLogZsol: Float64Array;
  /** Rest-frame wavelengths [Å], strictly increasing (nWave). */
  wavelengthAngstrom: Float64Array;
  /** L_λ [erg/s/Å per M☉ formed], C order [nZ][nAge][nWave]. */
  lLambda: Float64Array;
  /** Surviving stellar mass (living stars + remnants) per M☉ formed, [nZ][nAge]. */
  survivingMassFraction: Float64Array;
  /** Solar metallicity Z☉ of the grid (mass fraction), used to map [Z/H] to the nebular tables. */
  zSolar: number;
  /** Library id as in the simulator config's `ssp.library` (e.g. `maraston05`, `bc03-miles`); absent for ad-hoc grids. */
  library?: string;
  /** IMF, e.g. `kroupa01`, `chabrier03` (recorded in model manifests). */
  imf?: string;
  /** How `survivingMassFraction` was obtained (recorded in model manifests). */
  massDefinition?: string;
  /** sha256 over the source files of the grid (recorded in model manifests). */
  checksum?: string;
}

/** What a model manifest records about the SSP grid it was trained on. */
export function sspGridIdentity(g: SspGrid): { library: string; name: string; imf: string; massDefinition: string; checksum: string; nAge: number; nMetallicity: number; nWavelength: number; metallicityRange: [number, number] } {
  const m = g.metallicityLogZsol;
  return {
    library: g.library ?? g.name,
    name: g.name,
    imf: g.imf ?? 'unknown',
    massDefinition: g.massDefinition ?? 'unknown',
    checksum: g.checksum ?? 'unknown',
    nAge: g.ageGyr.length,
    nMetallicity: m.length,
    nWavelength: g.wavelengthAngstrom.length,
    metallicityRange: [m[0], m[m.length - 1]],
  };
}

/** Validate shapes and monotonicity of an SSP grid; returns problems (empty when valid). */
export function sspGridProblems(g: SspGrid): string[] {
  const p: string[] = [];
  const nA = g.ageGyr.length;
  const nZ = g.metallicityLogZsol.length;
  const nW = g.wavelengthAngstrom.length;
  const inc = (a: Float64Array, what: string): void => {
    for (let i = 1; i < a.length; i++) if (!(a[i] > a[i - 1])) return void p.push(`${what} not strictly increasing at index ${i}`);
  };
  inc(g.ageGyr, 'ageGyr');
  inc(g.metallicityLogZsol, 'metallicityLogZsol');
  inc(g.wavelengthAngstrom, 'wavelengthAngstrom');
  if (g.lLambda.length !== nZ * nA * nW) p.push(`lLambda has ${g.lLambda.length} values, expected nZ*nAge*nWave = ${nZ * nA * nW}`);
  if (g.survivingMassFraction.length !== nZ * nA) p.push(`survivingMassFraction has ${g.survivingMassFraction.length} values, expected nZ*nAge = ${nZ * nA}`);
  if (nZ < 1 || nA < 2 || nW < 2) p.push('need ≥ 1 metallicity, ≥ 2 ages and ≥ 2 wavelengths');
  return p;
}

/** Index and linear weight for interpolation in [Z/H] (= log Z), clamped to the grid ends. */
export function metallicityBracket(g: SspGrid, logZsol: number): { i0: number; i1: number; w1: number } {
  const m = g.metallicityLogZsol;
  if (m.length === 1 || logZsol <= m[0]) return { i0: 0, i1: 0, w1: 0 };
  if (logZsol >= m[m.length - 1]) return { i0: m.length - 1, i1: m.length - 1, w1: 0 };
  let i = 0;
  while (m[i + 1] < logZsol) i++;
  return { i0: i, i1: i + 1, w1: (logZsol - m[i]) / (m[i + 1] - m[i]) };
}
