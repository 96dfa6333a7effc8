import type { RecordBatch } from 'apache-arrow';
import { column, type NumericArray } from '@pixsed/core';
import type { PosteriorModel } from '@pixsed/model/node';

/** Per model band (manifest order), the batch's flux and 1σ columns in nJy; a band the batch lacks is all NaN (missing for every row). */
export function modelBandColumns(batch: RecordBatch, bands: readonly string[], stage: string): { flux: NumericArray[]; err: NumericArray[] } {
  const has = (name: string) => batch.schema.fields.some((f) => f.name === name);
  const nan = new Float32Array(batch.numRows).fill(NaN);
  const pick = (name: string) => (has(name) ? column(batch, name, stage) : nan);
  return { flux: bands.map((b) => pick(`flux_${b}_njy`)), err: bands.map((b) => pick(`flux_${b}_err_njy`)) };
}

/**
 * The data's bands against a model's: a mismatch is refused (ModelMismatchError naming `where`, the model and the bands)
 * unless `allowMissing`, and model bands absent from the data are logged as missing for every pixel (MISSING_BAND).
 */
export function checkModelBands(model: PosteriorModel, dataBands: readonly string[], allowMissing: boolean, where: string, log: (m: string) => void): void {
  if (!allowMissing) model.checkBands([...dataBands], where);
  const absent = model.bands.filter((b) => !dataBands.includes(b));
  if (absent.length) log(`${where}: bands ${absent.join(', ')} of model ${model.manifest.name} absent from the data: treated as missing (MISSING_BAND)`);
}
