/** Value of a FITS header card: string, logical, number, or `null` for an undefined value / commentary card. */
export type FitsValue = string | number | boolean | null;

/** One logical header card (CONTINUE long strings already joined into the value). */
export interface FitsCard {
  /** Keyword, upper case (HIERARCH keywords without the `HIERARCH ` prefix). Blank keyword is `''`. */
  key: string;
  /** Parsed value; for COMMENT / HISTORY / blank-keyword cards, the text of columns 9-80. */
  value: FitsValue;
  /** Text after the `/` separator, trimmed ('' when absent). */
  comment: string;
  /** 0-based index of the (first) 80-byte card image in the header. */
  index: number;
}

/** Keywords whose cards carry free text, not a value. */
export const COMMENTARY_KEYS: ReadonlySet<string> = new Set(['COMMENT', 'HISTORY', '']);
