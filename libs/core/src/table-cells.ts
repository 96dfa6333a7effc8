/**
 * One reading of table cells for every table pixsed reads (galaxy catalogues, `pixsed infer` input):
 * CSV cells arrive as text, Parquet cells typed (number, bigint, string, null, boolean …).
 */

/** Decimal or scientific notation with an optional sign: `12`, `-0.5`, `.5`, `5.`, `1e-3`, `+2.5E4`. */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
/** NaN as astropy, numpy and pandas write it (`nan`, `NaN`; C's `-nan`). */
const NAN = /^[-+]?nan$/i;
/** Infinity as astropy/numpy/pandas (`inf`, `-inf`) and JavaScript/R (`Infinity`, `-Inf`) write it. */
const INF = /^[-+]?inf(inity)?$/i;

/**
 * A table cell as a number: `'blank'` for no cell (empty or whitespace-only text, null, undefined),
 * `'invalid'` for anything that is not a number in decimal or scientific notation (text such as
 * 'abc', '1e', '1.2.3', 'NULL', and hexadecimal/binary/octal '0x1f', '0b11', '0o7', which JavaScript's
 * `Number()` would accept), or the number — NaN for `nan`, ±Infinity for `inf`/`Infinity`. Callers
 * decide what NaN and ±Infinity mean for their column (a missing value, an error).
 */
export function parseNumericCell(cell: unknown): number | 'blank' | 'invalid' {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (cell === null || cell === undefined) return 'blank';
  if (typeof cell !== 'string') return 'invalid';
  const t = cell.trim();
  if (t === '') return 'blank';
  if (DECIMAL.test(t)) return Number(t);
  if (NAN.test(t)) return NaN;
  if (INF.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  return 'invalid';
}

/** A column name given twice: `name` as written at its second place, 1-based column numbers. */
export interface DuplicateColumn {
  name: string;
  first: number;
  second: number;
}

/**
 * Column names that occur more than once, compared trimmed and case-folded (`z`, ` Z` are one column:
 * which one a reader would take is ambiguous). One entry per repeat, in column order.
 */
export function duplicateColumns(names: readonly string[]): DuplicateColumn[] {
  const seen = new Map<string, number>();
  const out: DuplicateColumn[] = [];
  names.forEach((n, i) => {
    const k = n.trim().toLowerCase();
    const j = seen.get(k);
    if (j === undefined) seen.set(k, i);
    else out.push({ name: n, first: j + 1, second: i + 1 });
  });
  return out;
}
