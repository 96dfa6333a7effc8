/** Number of SSP ages below `youngAgeGyr`; throws RangeError unless those young ages come first (ages increasing). */
export function youngSspCount(ageGyr: ArrayLike<number>, youngAgeGyr: number): number {
  let nYoung = 0;
  while (nYoung < ageGyr.length && ageGyr[nYoung] < youngAgeGyr) nYoung++;
  for (let j = nYoung; j < ageGyr.length; j++) if (ageGyr[j] < youngAgeGyr) throw new RangeError('SSP ages must increase (young SSPs first)');
  return nYoung;
}
