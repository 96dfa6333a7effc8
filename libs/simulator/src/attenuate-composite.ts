/**
 * spec[i] = exp(A_V κ_i) (old_i + exp(A_V,bc κ_i) young_i) for i in [lo, hi], κ = `calzettiExponent` (Calzetti 2000
 * dust on all stars, the extra birth-cloud attenuation on the young ones; Charlot & Fall 2000 two-component split).
 */
export function attenuateComposite(
  sOld: Float64Array,
  sYoung: Float64Array,
  kappa: Float64Array,
  avMag: number,
  avBirthCloudExtraMag: number,
  lo: number,
  hi: number,
  spec: Float64Array,
): void {
  const av = avMag;
  const avBc = avBirthCloudExtraMag;
  if (avBc !== 0) {
    for (let i = lo; i <= hi; i++) spec[i] = Math.exp(av * kappa[i]) * (sOld[i] + Math.exp(avBc * kappa[i]) * sYoung[i]);
  } else if (av !== 0) {
    for (let i = lo; i <= hi; i++) spec[i] = Math.exp(av * kappa[i]) * (sOld[i] + sYoung[i]);
  } else {
    for (let i = lo; i <= hi; i++) spec[i] = sOld[i] + sYoung[i];
  }
}
