/** Shared constants and small helpers of the FITS reader/writer (internal; not part of the public API). */

/** FITS logical record length in bytes. */
export const BLOCK = 2880;
/** Header card length in bytes. */
export const CARD = 80;

/** Rounds a byte count up to a whole number of 2880-byte blocks. */
export function padToBlock(n: number): number {
  return Math.ceil(n / BLOCK) * BLOCK;
}

/**
 * Index of the END card in `bytes` (searched card by card from the start), or -1 when no END card
 * is present in the bytes given. An END card has `END` followed by five blanks in columns 1-8.
 */
export function findEndCard(bytes: Uint8Array): number {
  const n = Math.floor(bytes.length / CARD);
  for (let i = 0; i < n; i++) {
    const o = i * CARD;
    if (
      bytes[o] === 0x45 && bytes[o + 1] === 0x4e && bytes[o + 2] === 0x44 &&
      bytes[o + 3] === 0x20 && bytes[o + 4] === 0x20 && bytes[o + 5] === 0x20 &&
      bytes[o + 6] === 0x20 && bytes[o + 7] === 0x20
    ) {
      return i;
    }
  }
  return -1;
}

/** Human-readable name of card `index` for error messages: `KEY (card 12)`. */
export function cardLabel(key: string, index: number): string {
  return key ? `${key} (card ${index + 1})` : `card ${index + 1}`;
}
