import { FitsFormatError } from '@pixsed/core';
import type { FitsValue } from './fits-card.js';
import { BLOCK, CARD } from './fits-internals.js';

const KEY_RE = /^[A-Z0-9_-]{1,8}$/;

function quote(s: string): string {
  return s.replace(/'/g, "''");
}

/** Splits an escaped string into pieces of at most `n` characters without cutting a doubled quote. */
function chunks(escaped: string, first: number, rest: number): string[] {
  const out: string[] = [];
  let i = 0;
  let n = first;
  while (i < escaped.length) {
    let end = Math.min(escaped.length, i + n);
    // do not end a piece on the first quote of a '' pair
    let q = 0;
    for (let k = end - 1; k >= i && escaped[k] === "'"; k--) q++;
    if (q % 2 === 1 && end < escaped.length) end--;
    out.push(escaped.slice(i, end));
    i = end;
    n = rest;
  }
  return out.length ? out : [''];
}

function formatNumber(v: number, key: string, file: string): string {
  if (!Number.isFinite(v)) throw new FitsFormatError(file, key, `cannot write non-finite value ${v} (FITS header values must be finite)`);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  // Shortest round-trip representation; FITS exponent letter upper case; always has '.' or 'E'.
  let s = String(v).toUpperCase();
  if (!/[.E]/.test(s)) s += '.';
  if (/E/.test(s) && !/\./.test(s)) s = s.replace('E', '.E');
  return s;
}

/**
 * Formats header cards as FITS card images (80 characters each), END card and blank padding to a
 * multiple of 2880 bytes. Strings longer than one card use the CONTINUE long-string convention;
 * fixed format (value right-justified in column 30) is used whenever the value fits.
 * COMMENT / HISTORY values are split over as many cards as needed (one per line of a multi-line value).
 * Throws `FitsFormatError` for illegal keywords or values (non-ASCII, non-finite numbers).
 */
export function formatHeader(cards: Array<[key: string, value: FitsValue, comment?: string]>, file = '<header>'): Uint8Array {
  const images: string[] = [];
  for (const [rawKey, value, comment] of cards) {
    const key = rawKey.toUpperCase();
    if (!KEY_RE.test(key)) throw new FitsFormatError(file, rawKey, `invalid keyword '${rawKey}' (1-8 characters A-Z 0-9 _ -)`);
    const text = typeof value === 'string' ? value : '';
    if (/[^\x20-\x7e\n]/.test(text) || /[^\x20-\x7e]/.test(comment ?? '')) {
      throw new FitsFormatError(file, key, 'value or comment has non-ASCII characters (FITS headers are printable ASCII)');
    }
    if (key === 'COMMENT' || key === 'HISTORY') {
      for (const line of String(value ?? '').split('\n')) {
        for (let i = 0; i === 0 || i < line.length; i += 72) images.push(`${key.padEnd(8)}${line.slice(i, i + 72)}`);
      }
      continue;
    }
    const head = `${key.padEnd(8)}= `;
    const withComment = (body: string): string => {
      const c = comment ? ` / ${comment}` : '';
      return (body + c).length <= 70 ? body + c : body;
    };
    if (value === null) {
      images.push(head + withComment(''.padEnd(20)));
    } else if (typeof value === 'boolean') {
      images.push(head + withComment((value ? 'T' : 'F').padStart(20)));
    } else if (typeof value === 'number') {
      const s = formatNumber(value, key, file);
      images.push(head + withComment(s.length <= 20 ? s.padStart(20) : s));
    } else {
      const esc = quote(value);
      if (esc.length <= 68) {
        images.push(head + withComment(`'${esc.padEnd(8)}'`.padEnd(20)));
      } else {
        const parts = chunks(esc, 67, 67);
        parts.forEach((p, i) => {
          const last = i === parts.length - 1;
          const q = `'${p}${last ? '' : '&'}'`;
          images.push(i === 0 ? head + q : `CONTINUE  ${last ? withComment(q) : q}`);
        });
      }
    }
  }
  images.push('END');
  const n = Math.ceil((images.length * CARD) / BLOCK) * BLOCK;
  const out = new Uint8Array(n).fill(0x20);
  images.forEach((img, i) => {
    const s = img.padEnd(CARD).slice(0, CARD);
    for (let j = 0; j < CARD; j++) out[i * CARD + j] = s.charCodeAt(j);
  });
  return out;
}
