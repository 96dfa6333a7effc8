/** A photon-counting bandpass: throughput T(λ) (photon-to-electron efficiency or relative), λ in Å (observed frame). */
export interface FilterCurve {
  /** Lower-case band name, e.g. `f444w`, `f435w`. */
  name: string;
  wavelengthAngstrom: Float64Array;
  throughput: Float64Array;
  /** Where it came from (file path), for error messages and provenance. */
  source?: string;
}

/** Build a filter curve: sorts by wavelength, drops duplicate wavelengths, checks values are finite and T ≥ 0. */
export function createFilterCurve(
  name: string,
  wavelengthAngstrom: ArrayLike<number>,
  throughput: ArrayLike<number>,
  source?: string,
): FilterCurve {
  if (wavelengthAngstrom.length !== throughput.length || wavelengthAngstrom.length < 2) {
    throw new RangeError(`filter ${name}: need ≥ 2 (wavelength, throughput) pairs of equal length`);
  }
  const idx = Array.from({ length: wavelengthAngstrom.length }, (_, i) => i).sort(
    (a, b) => wavelengthAngstrom[a] - wavelengthAngstrom[b],
  );
  const w: number[] = [];
  const t: number[] = [];
  for (const i of idx) {
    const wl = wavelengthAngstrom[i];
    const tr = throughput[i];
    if (!Number.isFinite(wl) || !Number.isFinite(tr) || wl <= 0) {
      throw new RangeError(`filter ${name}: non-finite or non-positive value at row ${i}`);
    }
    if (w.length > 0 && wl === w[w.length - 1]) continue;
    w.push(wl);
    t.push(Math.max(0, tr));
  }
  return { name: name.toLowerCase(), wavelengthAngstrom: Float64Array.from(w), throughput: Float64Array.from(t), source };
}
