// Test helpers: build FITS bytes card by card (independently of the library's formatter) and run
// the astropy reference scripts. Used only by tests.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hasPythonModules, pythonExecutable } from '@pixsed/core/node';

export const SCRIPTS = fileURLToPath(new URL('.', import.meta.url));

/** True when pythonExecutable() (PIXSED_PYTHON, default /usr/bin/python3) can import astropy and numpy. */
export function hasAstropy(): boolean {
  return hasPythonModules('astropy', 'numpy');
}

export const ASTROPY_SKIP = `skipped: ${pythonExecutable()} with astropy and numpy not found (apt install python3-astropy, or set PIXSED_PYTHON)`;

/** Runs a script in test-scripts/ with pythonExecutable() and parses its JSON stdout. */
export function runPython<T = any>(script: string, args: string[]): T {
  const r = spawnSync(pythonExecutable(), [SCRIPTS + script, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** One 80-character card image: `KEY     = value / comment`, value right-justified to column 30 when short. */
export function card(key: string, value?: string, comment?: string): string {
  if (value === undefined) return key.padEnd(80).slice(0, 80);
  const v = value.startsWith("'") ? value.padEnd(20) : value.padStart(20);
  return `${key.padEnd(8)}= ${v}${comment ? ` / ${comment}` : ''}`.padEnd(80).slice(0, 80);
}

/** Header bytes from card images; appends END and pads to 2880 unless told not to. */
export function header(cards: string[], opts: { end?: boolean; pad?: boolean } = {}): Buffer {
  const all = [...cards, ...(opts.end === false ? [] : ['END'])].map((c) => c.padEnd(80).slice(0, 80)).join('');
  const n = opts.pad === false ? all.length : Math.ceil(all.length / 2880) * 2880;
  return Buffer.from(all.padEnd(n), 'latin1');
}

/** Pads data to 2880 bytes with zeros. */
export function padData(b: Buffer): Buffer {
  const n = Math.ceil(b.length / 2880) * 2880;
  return Buffer.concat([b, Buffer.alloc(n - b.length)]);
}

/** Primary image cards. */
export function imageCards(bitpix: number, nx: number, ny: number, extra: string[] = []): string[] {
  return [card('SIMPLE', 'T'), card('BITPIX', String(bitpix)), card('NAXIS', '2'), card('NAXIS1', String(nx)), card('NAXIS2', String(ny)), ...extra];
}

/** Big-endian encoding of stored values for a BITPIX. */
export function encode(bitpix: number, values: (number | bigint)[]): Buffer {
  const bytes = Math.abs(bitpix) / 8;
  const b = Buffer.alloc(values.length * bytes);
  values.forEach((v, i) => {
    const o = i * bytes;
    switch (bitpix) {
      case 8: b.writeUInt8(Number(v), o); break;
      case 16: b.writeInt16BE(Number(v), o); break;
      case 32: b.writeInt32BE(Number(v), o); break;
      case 64: b.writeBigInt64BE(BigInt(v), o); break;
      case -32: b.writeFloatBE(Number(v), o); break;
      case -64: b.writeDoubleBE(Number(v), o); break;
    }
  });
  return b;
}
