/**
 * Where a row's or a galaxy's redshift came from (output column `z_source`): `spec` = the catalogue's spectroscopic z;
 * `catalogue-photo` = a photometric z from the catalogue (zPhotColumn); `pixsed-photo` = inferred by pixsed's photo-z
 * model (a model with `redshift.role: parameter`); `none` = no redshift (the row is flagged NO_REDSHIFT).
 * In Parquet, where text columns are not written, `z_source` holds the index into this list (file metadata
 * `pixsed.z_source` names the codes: Z_SOURCE_CODES).
 */
export const Z_SOURCES = ['spec', 'catalogue-photo', 'pixsed-photo', 'none'] as const;
export type ZSource = (typeof Z_SOURCES)[number];

/** The Parquet code of a z source (its index in Z_SOURCES). */
export function zSourceCode(s: ZSource): number {
  return Z_SOURCES.indexOf(s);
}

/** 'spec=0,catalogue-photo=1,pixsed-photo=2,none=3': the code table written as Parquet metadata `pixsed.z_source`. */
export const Z_SOURCE_CODES = Z_SOURCES.map((s, i) => `${s}=${i}`).join(',');
