// csv-records: pixsed's one CSV reader (papaparse) against an independent parser, csv-parse, on the same text, whole
// and streamed in pieces cut at every possible place; and its errors (line numbers, the file named).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as csvParse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng } from '../prng.js';
import { openCsvRecords, parseCsvRecords, type CsvReadOptions } from './csv-records.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function streamed(file: string, o: CsvReadOptions) {
  const s = await openCsvRecords(file, o);
  const records: string[][] = [];
  for await (const b of s.batches()) records.push(...b);
  return [s.header, ...records];
}

/** A table with the awkward cells: quoted commas, doubled quotes, CR and LF in quotes, `#` inside fields, padding. */
function awkward(rows: number, eol: string): string {
  const cells = ['1.5', ' 2e-3 ', '"a,b"', '"say ""hi"""', '"line\nbreak"', '"cr\rhere"', '"#not a comment"', 'x#y', '', 'NaN', '-inf', '"  padded  "'];
  const lines = ['\uFEFFid,a,b,c', '# a comment line, with "an odd quote', ''];
  for (let i = 0; i < rows; i++) {
    lines.push([String(i), cells[i % cells.length], cells[(i * 7 + 3) % cells.length], cells[(i * 5 + 1) % cells.length]].join(','));
    if (i % 17 === 0) lines.push('#' + 'c'.repeat(i % 5));
    if (i % 23 === 0) lines.push('');
  }
  return lines.join(eol) + eol;
}

describe('csv-records', () => {
  for (const eol of ['\n', '\r\n']) {
    it(`equals csv-parse (bom, comment at line start, empty lines skipped, fields as written) whole and streamed in pieces of 1 to 97 characters (${JSON.stringify(eol)} line ends)`, async () => {
      const text = awkward(300, eol);
      const want = csvParse(text, { bom: true, comment: '#', comment_no_infix: true, skip_empty_lines: true }) as string[][];
      expect(want.length).toBe(301);
      const whole = parseCsvRecords('t.csv', text);
      expect([whole.header, ...whole.records]).toEqual(want);
      const file = join(dir, `awkward${eol.length}.csv`);
      writeFileSync(file, text);
      for (const readChars of [1, 2, 3, 7, 64, 97, 1 << 16]) expect(await streamed(file, { readChars }), `readChars ${readChars}`).toEqual(want);
    });
  }

  it('a table of numbers (no quotes: the cutter fast path) streamed in any piece size equals csv-parse, a quoted field after it too', async () => {
    const lines = ['x,y,flux_f444w_njy'];
    for (let i = 0; i < 500; i++) lines.push(`${i % 37},${i},${(i * 0.37).toFixed(3)}`, ...(i % 50 === 0 ? ['# every 50'] : []));
    lines.push('1,2,"3"');
    const text = lines.join('\n') + '\n';
    const want = csvParse(text, { comment: '#', comment_no_infix: true, skip_empty_lines: true }) as string[][];
    const file = join(dir, 'numbers.csv');
    writeFileSync(file, text);
    for (const readChars of [1, 5, 13, 100, 4096]) expect(await streamed(file, { readChars }), `readChars ${readChars}`).toEqual(want);
  });

  it('space-delimited (ECSV): equals csv-parse with delimiter " "', async () => {
    const text = '# %ECSV 1.0\n# ---\nid z name\n1 0.5 "a b"\n2 1.25 c\n';
    const want = csvParse(text, { comment: '#', comment_no_infix: true, skip_empty_lines: true, delimiter: ' ' }) as string[][];
    const whole = parseCsvRecords('t.ecsv', text, { delimiter: ' ', what: 'ECSV' });
    expect([whole.header, ...whole.records]).toEqual(want);
    const file = join(dir, 't.ecsv');
    writeFileSync(file, text);
    expect(await streamed(file, { delimiter: ' ', readChars: 5 })).toEqual(want);
  });

  it('a record with too few or too many fields is an error naming the file and its line, whole or streamed', async () => {
    const lines = ['a,b,c', '# note', '1,2,3', '', '"x\ny",2,3', '4,5', '6,7,8'];
    const text = lines.join('\n') + '\n';
    expect(() => parseCsvRecords('bad.csv', text)).toThrow(/^bad\.csv \(line 7\): CSV error: a record of 2 fields where the header has 3$/);
    const file = join(dir, 'bad.csv');
    writeFileSync(file, text);
    for (const readChars of [1, 4, 1000]) await expect(streamed(file, { readChars })).rejects.toThrow(/bad\.csv \(line 7\): CSV error: a record of 2 fields where the header has 3/);
    expect(() => parseCsvRecords('wide.csv', 'a,b\n1,2\n3,4,5\n')).toThrow(/wide\.csv \(line 3\): CSV error: a record of 3 fields where the header has 2/);
  });

  it('an unterminated quoted field is an error naming its line; a malformed closing quote too', async () => {
    const file = join(dir, 'quote.csv');
    writeFileSync(file, 'a,b\n1,2\n3,"open\n5,6\n');
    await expect(streamed(file, { readChars: 3 })).rejects.toThrow(/quote\.csv \(line 3\): CSV error: a quoted field is not closed before the end of the file/);
    expect(() => parseCsvRecords('q.csv', 'a,b\n"x"y,2\n')).toThrow(/q\.csv \(line 2\): CSV error: text after a closing quote/);
  });

  it('an empty file or one with only comments is an error; a header without records gives no records', async () => {
    for (const [name, text] of [['empty.csv', ''], ['comments.csv', '# only\n\n# this\n']]) {
      const file = join(dir, name);
      writeFileSync(file, text);
      await expect(openCsvRecords(file)).rejects.toThrow(new RegExp(`${name.replace('.', '\\.')}: empty CSV file: expected a header line`));
    }
    const file = join(dir, 'head.csv');
    writeFileSync(file, 'a,b\n');
    expect(await streamed(file, {})).toEqual([['a', 'b']]);
    await expect(openCsvRecords(join(dir, 'absent.csv'))).rejects.toThrow(/absent\.csv: cannot read CSV file: ENOENT/);
  });

  // cases found by a review (a fuzzer against csv-parse): each whole and streamed in pieces of 1 to 65,536 characters
  const both = async (name: string, text: string, o: CsvReadOptions = {}) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    const whole = (() => {
      try {
        const r = parseCsvRecords(name, text, o);
        return r.header ? [r.header, ...r.records] : [];
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const readChars of [1, 2, 3, 5, 8, 1 << 16]) {
      const got = await streamed(file, { ...o, readChars }).catch((e: Error) => e.message.replace(file, name));
      expect(got, `${name} readChars ${readChars}`).toEqual(whole);
    }
    return whole;
  };

  it('LF and CRLF line ends, mixed or not, read alike (a CR only before LF is a line end; quoted CR and LF are data)', async () => {
    const rows = [['a', 'b'], ['1', '2'], ['3', '4']];
    expect(await both('mixed1.csv', 'a,b\r\n# note\n1,2\r\n3,4\r\n')).toEqual(rows);
    expect(await both('mixed2.csv', 'a,b\r\n1,2\r\n3,4\n')).toEqual(rows);
    expect(await both('mixed3.csv', 'x\n1\n2\r\n')).toEqual([['x'], ['1'], ['2']]);
    expect(await both('mixed4.csv', '"x\ny",b\r\n1,2\r\n3,4')).toEqual([['x\ny', 'b'], ['1', '2'], ['3', '4']]);
    expect(await both('quotedcr.csv', 'a,b\r\n"p\r\nq",2\r\n')).toEqual([['a', 'b'], ['p\r\nq', '2']]);
    // csv-parse agrees where the line ends are not mixed; on mixed ones it goes wrong: on mixed1.csv it reads the
    // LF-ended comment on to the next CRLF and loses '1,2', on mixed2.csv it gives '4\n'
    for (const t of ['"x\ny",b\r\n1,2\r\n3,4', 'a,b\r\n"p\r\nq",2\r\n']) {
      expect(parseCsvRecords('t.csv', t).records, t).toEqual(csvParse(t, { comment: '#', comment_no_infix: true, skip_empty_lines: true }).slice(1));
    }
  });

  it('a bare CR line end (classic Mac OS) is an error naming its line, not one long header', async () => {
    expect(await both('mac.csv', 'a,b\r1,2\r3,4\r')).toMatch(/mac\.csv \(line 1\): CSV error: a CR line end not followed by LF/);
    expect(await both('mac2.csv', 'a,b\n1,2\n3,\r4\n')).toMatch(/mac2\.csv \(line 3\): CSV error: a CR line end not followed by LF/);
  });

  it('a comment is not read, a CR inside it too (whole and streamed alike); a line of only CR before LF is an empty line', async () => {
    const rows = [['a', 'b'], ['1', '2']];
    // the streamed fast path once flagged the comment's CR as a bare line end where the whole reading skipped it
    expect(await both('crcomment1.csv', 'a,b\r\n#\r\r\n1,2\r\n')).toEqual(rows);
    expect(await both('crcomment2.csv', 'a,b\n# x\ry\n1,2\n')).toEqual(rows);
    expect(await both('crcomment3.csv', '# a\rb\r\na,b\n1,2')).toEqual(rows);
    expect(await both('cronly.csv', 'a,b\n\r\n1,2\n')).toEqual(rows);
    // outside a comment the same CR is still an error
    expect(await both('crdata.csv', 'a,b\r\nx\r\r\n1,2\r\n')).toMatch(/crdata\.csv \(line 2\): CSV error: a CR line end not followed by LF/);
  });

  it('any text reads the same whole and streamed: 400 random texts of quotes, delimiters, CR, LF and # (the same records or the same error)', async () => {
    const rng = createPrng(20261202);
    const alphabet = ['a', 'a,b', ',', '"', '\r', '\n', '\r\n', '#', ' ', '""', '"a,b"', '\n1,2\n', '\r\n3,4\r\n', '\n#c\n', '\n\r\n'];
    let errors = 0;
    for (let k = 0; k < 400; k++) {
      const n = 1 + Math.floor(rng.uniform() * 24);
      let text = 'a,b\n';
      for (let j = 0; j < n; j++) text += alphabet[Math.floor(rng.uniform() * alphabet.length)];
      const r = await both(`fuzz${k}.csv`, text);
      if (typeof r === 'string') errors++;
    }
    // both outcomes are exercised: records and errors
    expect(errors).toBeGreaterThan(40);
    expect(400 - errors).toBeGreaterThan(40);
  });

  it('a record written as "" is a record (one empty field), never an empty line to skip', async () => {
    expect(await both('q1.csv', 'a,b\n1,2\n""\n3,4\n')).toMatch(/q1\.csv \(line 3\): CSV error: a record of 1 fields where the header has 2/);
    expect(await both('q2.csv', 'a\n1\n""\n2\n')).toEqual([['a'], ['1'], [''], ['2']]);
  });

  it('the line of a whitespace-only record is its own; the first error of the file is the one reported', async () => {
    expect(await both('ws.csv', 'a,b\n1,2\n   \n3,4\n')).toMatch(/ws\.csv \(line 3\): CSV error: a record of 1 fields where the header has 2/);
    expect(await both('ws2.csv', 'a,b\n1,2\n \n')).toMatch(/ws2\.csv \(line 3\): /);
    expect(await both('first.csv', 'a,b\n1\n"x\n')).toMatch(/first\.csv \(line 2\): CSV error: a record of 1 fields/);
  });

  it('malformed quotes are errors as in csv-parse: text after a closing quote, a quote inside an unquoted field', async () => {
    for (const [name, text, what] of [
      ['after1.csv', 'a,b\n"x"  ,y\n', /\(line 2\): CSV error: text after a closing quote/],
      ['after2.csv', 'a,b\n"x"\t,y\n', /\(line 2\): CSV error: text after a closing quote/],
      ['inch.csv', 'a,b\n5",x\n', /\(line 2\): CSV error: a quote inside an unquoted field/],
      ['mid.csv', 'a,b\nx"y"z,1\n', /\(line 2\): CSV error: a quote inside an unquoted field/],
      ['lead.csv', 'a,b\n "x",1\n', /\(line 2\): CSV error: a quote inside an unquoted field/],
    ] as const) {
      expect(await both(name, text), name).toMatch(what);
      expect(() => csvParse(text), `csv-parse rejects ${name} too`).toThrow();
    }
    // well-formed: a closing quote before CRLF, the delimiter or the end of the file
    expect(await both('ok.csv', 'a,b\r\n"x",""\r\n"y","z"')).toEqual([['a', 'b'], ['x', ''], ['y', 'z']]);
  });

  it('a record longer than maxRecordChars (an unterminated quote early in a large file) is an error, not the file read into memory', async () => {
    const text = 'a,b\n1,"open\n' + '2,3\n'.repeat(5000);
    const file = join(dir, 'long.csv');
    writeFileSync(file, text);
    await expect(streamed(file, { readChars: 256, maxRecordChars: 4096 })).rejects.toThrow(/long\.csv \(line 2\): CSV error: a record longer than 4096 characters \(a quote opened at line 2 is not closed\)/);
  });
});
