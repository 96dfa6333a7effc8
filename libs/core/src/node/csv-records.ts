import { createReadStream } from 'node:fs';
import Papa from 'papaparse';
import { DataFileError } from '../errors.js';

/**
 * CSV and ECSV records for every reader in pixsed (`pixsed infer`'s pixel tables, galaxy catalogues, run reports), one
 * code path. The text is read strictly, as csv-parse reads RFC 4180 (`RecordReader`: where records start and end, the
 * quoting checked), and papaparse splits the checked records into fields (measured 6–15× faster than csv-parse on a
 * 4,096-row pixel table). The rules everywhere:
 * - a byte-order mark at the start is dropped; lines whose first character is `#` are comments; empty lines are
 *   skipped (a line of empty fields, or `""`, is a record); line ends are LF or CRLF, mixed or not;
 * - header names are trimmed, data fields are kept as written (quoted content is literal; numeric cells are trimmed
 *   where they are parsed, `parseNumericCell`);
 * - every record has as many fields as the header; a quote inside an unquoted field, text after a closing quote, a
 *   quote not closed at the end, a bare CR line end or a record of more than MAX_RECORD_CHARS characters is an error:
 *   a DataFileError naming the file and the line, the first such line of the file.
 * Large files stream (`openCsvRecords`): pieces of complete records are handed to papaparse as they are read, so memory
 * stays at one piece however long the file. (papaparse's own Node stream modes either drop errors or have no
 * backpressure, and its parser accepts malformed quotes: hence the reader here.)
 */
export interface CsvReadOptions {
  /** Field delimiter (default ','; ECSV's default is a space). */
  delimiter?: string;
  /** What the file is, in errors (default 'CSV'). */
  what?: string;
  /** Characters read from the file at a time when streaming (default 262,144; the tests make it small). */
  readChars?: number;
  /** Characters one record may span at most (default MAX_RECORD_CHARS; the tests make it small). */
  maxRecordChars?: number;
}

interface Resolved {
  delimiter: string;
  what: string;
  maxRecordChars: number;
}

function resolve(o: CsvReadOptions): Resolved {
  const delimiter = o.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') throw new Error(`CSV delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`);
  return { delimiter, what: o.what ?? 'CSV', maxRecordChars: o.maxRecordChars ?? MAX_RECORD_CHARS };
}

/** Characters one record may span at most (a longer one is an error: an unterminated quote would read the file). */
export const MAX_RECORD_CHARS = 1 << 24;

/** An error at a line of the text, raised after the records before it are checked (the first error in file order wins). */
interface LineError {
  line: number;
  problem: string;
}

/**
 * A piece of complete records: `text` holds them one per line (LF; a record's unquoted CRLF read as LF, comment and
 * empty lines left out; quoted fields as written), `lines` the line of the file each starts at; `error`: the text was
 * malformed after these records.
 */
interface Piece {
  text: string;
  lines: number[];
  error?: LineError;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;
const HASH = 35;
const BARE_CR = 'a CR line end not followed by LF (bare CR line ends, as classic Mac OS wrote them, are not read: convert them to LF)';
const afterQuote = (ch: string) => `text after a closing quote ('${ch}' where the delimiter or the line end must follow)`;

/** A Piece of the records `out` (one per line) starting at `lines`, and the error after them if any. */
function piece(out: string[], lines: number[], error?: LineError): Piece {
  return { text: out.length ? out.join('\n') + '\n' : '', lines, ...(error ? { error } : {}) };
}

/**
 * The strict reading of the text (RFC 4180 as csv-parse reads it), streamed: it finds where records start and end and
 * checks the quoting; papaparse then splits the fields of the records it hands over. A field is quoted when its first
 * character is `"`; inside, `""` is a quote and anything else, line breaks included, is data; after the closing quote
 * only the delimiter or the line end may follow. A `"` inside an unquoted field, text after a closing quote, a CR not
 * followed by LF (outside quotes) and a quote still open at the end are errors naming their line. Line ends are LF or
 * CRLF, mixed or not. Lines whose first character is `#` are comments, empty lines are skipped.
 */
class RecordReader {
  /** The text not yet handed over: from the start of the current line (or record) on; `scanned` of it already read. */
  private carry = '';
  private scanned = 0;
  /** State at the end of what was scanned. */
  private inQuote = false;
  private quoteAtEnd = false; // a quote inside a quoted field as the last character: the next one decides
  private afterQuote = false; // a quoted field has closed: the delimiter or the line end must follow
  private fieldStart = true;
  private lineStart = true;
  private inComment = false;
  private crAtEnd = false; // an unquoted CR as the last character: LF must follow
  /** The line the scan is on, the line the current record began at, and the line of the open quote. */
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private error?: LineError;
  constructor(
    private readonly delimiter: number,
    private readonly maxRecordChars: number,
  ) {}

  /** Nothing pushed yet (a byte-order mark at the start of the first chunk is dropped). */
  private atStart = true;

  /** The complete records of the text so far; the rest is kept for the next call. */
  push(chunk: string): Piece {
    if (this.atStart && chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    if (chunk.length) this.atStart = false;
    const text = this.carry + chunk;
    const out: string[] = [];
    const lines: number[] = [];
    let from = 0; // start of the current line / record in `text`
    let i = this.scanned;
    const first = text.indexOf('\n', i);
    if (first >= 0 && !this.inQuote && !this.quoteAtEnd && chunk.indexOf('"') < 0) {
      // no quote in the chunk (a table of numbers) and not inside a quoted field: each line feed ends a line. The new
      // characters are checked for bare CRs; the text after the last line feed is scanned below, from its line start.
      if (this.crAtEnd && text.charCodeAt(i) !== LF) this.fail(this.line, BARE_CR);
      if (this.afterQuote) {
        // the line's quoted field closed in the previous chunk: the delimiter or the line end must follow
        const next = text.charCodeAt(i);
        if (next !== this.delimiter && next !== LF && next !== CR) this.fail(this.line, afterQuote(text[i]));
      }
      const crFrom = i;
      for (let nl = first; nl >= 0 && !this.error; nl = text.indexOf('\n', nl + 1)) {
        this.endLine(text, from, nl, out, lines, crFrom);
        from = nl + 1;
      }
      i = from;
    }
    for (; i < text.length && !this.error; i++) {
      const c = text.charCodeAt(i);
      if (this.quoteAtEnd) {
        this.quoteAtEnd = false;
        if (c === QUOTE) continue; // "" inside quotes
        this.inQuote = false;
        this.afterQuote = true;
      }
      if (this.inQuote) {
        if (c === QUOTE) this.quoteAtEnd = true;
        else if (c === LF) this.line++;
        continue;
      }
      if (this.crAtEnd && c !== LF) {
        this.fail(this.line, BARE_CR);
        break;
      }
      if (c === LF) {
        this.endLine(text, from, i, out, lines);
        from = i + 1;
        continue;
      }
      if (this.inComment) continue;
      if (this.lineStart && c === HASH) {
        this.inComment = true;
        this.lineStart = false;
        continue;
      }
      if (this.lineStart) this.recordLine = this.line;
      this.lineStart = false;
      if (c === CR) {
        this.crAtEnd = true;
        continue;
      }
      if (this.afterQuote) {
        if (c !== this.delimiter) {
          this.fail(this.line, afterQuote(text[i]));
          break;
        }
        this.afterQuote = false;
      }
      if (c === this.delimiter) {
        this.fieldStart = true;
        continue;
      }
      if (c === QUOTE) {
        if (!this.fieldStart) {
          this.fail(this.line, 'a quote inside an unquoted field (quote the whole field and double the quote: "5""")');
          break;
        }
        this.inQuote = true;
        this.quoteLine = this.line;
      }
      this.fieldStart = false;
    }
    this.carry = this.error ? '' : text.slice(from);
    this.scanned = this.carry.length;
    if (this.carry.length > this.maxRecordChars) this.fail(this.recordLine, `a record longer than ${this.maxRecordChars} characters${this.inQuote ? ` (a quote opened at line ${this.quoteLine} is not closed)` : ''}`);
    return piece(out, lines, this.error);
  }

  /** What is left at the end of the input: a last record without a line feed; an open quote is an error. */
  end(): Piece {
    if (this.error) return { text: '', lines: [], error: this.error };
    if (this.inQuote && !this.quoteAtEnd) return { text: '', lines: [], error: { line: this.quoteLine, problem: 'a quoted field is not closed before the end of the file' } };
    const out: string[] = [];
    const lines: number[] = [];
    if (this.carry.length) this.endLine(this.carry + '\n', 0, this.carry.length, out, lines);
    this.carry = '';
    return piece(out, lines);
  }

  /**
   * The line (or record) text[from..lf) has ended at the line feed `lf`: a record is handed over, a comment or an empty
   * line is not. `crFrom`: where a CR is a bare line end (the fast path's check; the scan finds the others itself).
   */
  private endLine(text: string, from: number, lf: number, out: string[], lines: number[], crFrom = lf): void {
    let to = lf;
    if (to > from && text.charCodeAt(to - 1) === CR) to--;
    const comment = to > from && text.charCodeAt(from) === HASH;
    if (!comment) {
      // a comment's text is not read, CRs included (as the scan below skips it)
      const cr = text.indexOf('\r', Math.max(from, crFrom));
      if (cr >= 0 && cr < to) return this.fail(this.line, BARE_CR); // the line is not handed over (as the scan stops at it)
    }
    if (to > from && !comment) {
      out.push(text.slice(from, to));
      lines.push(this.recordLine);
    }
    this.line++;
    this.recordLine = this.line;
    this.lineStart = true;
    this.fieldStart = true;
    this.inComment = false;
    this.afterQuote = false;
    this.crAtEnd = false;
  }

  private fail(line: number, problem: string): void {
    this.error ??= { line, problem };
  }
}

/**
 * The records of a piece, split into fields by papaparse, each with the header's field count (`fields`; the piece
 * holding the header: its first record's, whose names are trimmed), else a DataFileError naming the file and the record's line; then the
 * piece's own error, if any (so that the first error in the file is the one reported).
 */
function parsePiece(file: string, piece: Piece, o: Resolved, fields: number | undefined): string[][] {
  const r = piece.text ? Papa.parse<string[]>(piece.text, { delimiter: o.delimiter, newline: '\n', quoteChar: '"', skipEmptyLines: false }).data : [];
  if (r.length > piece.lines.length) r.length = piece.lines.length; // the final line feed's empty row
  if (fields === undefined && r.length) r[0] = r[0].map((h) => h.trim()); // the header's names
  const want = fields ?? r[0]?.length;
  for (let i = 0; i < r.length; i++) {
    if (r[i].length !== want) throw new DataFileError(file, `line ${piece.lines[i]}`, `${o.what} error: a record of ${r[i].length} fields where the header has ${want}`);
  }
  if (piece.error) throw new DataFileError(file, `line ${piece.error.line}`, `${o.what} error: ${piece.error.problem}`);
  return r;
}

/** An ECSV text's delimiter (astropy): its `# delimiter:` header line's, else a space, the format's default. */
export function ecsvDelimiter(text: string): string {
  const m = /^# delimiter:\s*(?:'(.)'|"(.)"|(\S))\s*$/m.exec(text);
  return m ? (m[1] ?? m[2] ?? m[3]) : ' ';
}

/** The header and records of a whole CSV/ECSV text (catalogues, reports); errors name `file`. */
export function parseCsvRecords(file: string, text: string, options: CsvReadOptions = {}): { header: string[] | undefined; records: string[][] } {
  const o = resolve(options);
  const reader = new RecordReader(o.delimiter.charCodeAt(0), o.maxRecordChars);
  const all = parsePiece(file, reader.push(text), o, undefined);
  all.push(...parsePiece(file, reader.end(), o, all[0]?.length));
  return { header: all[0], records: all.slice(1) };
}

/** Records delivered per batch at most (a piece of text is cut into batches of this many). */
export const CSV_BATCH_RECORDS = 4096;

export interface CsvRecordStream {
  /** The header's fields. */
  header: string[];
  /** The data records, in batches of up to CSV_BATCH_RECORDS, in file order. */
  batches(): AsyncGenerator<string[][]>;
}

/**
 * A CSV/ECSV file's header, then its records streamed in batches (`pixsed infer`'s pixel tables): the rules of the
 * module comment; a file that cannot be read or has no header line is a DataFileError naming it.
 */
export async function openCsvRecords(file: string, options: CsvReadOptions = {}): Promise<CsvRecordStream> {
  const o = resolve(options);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: options.readChars ?? 1 << 18 });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<string>;
  const reader = new RecordReader(o.delimiter.charCodeAt(0), o.maxRecordChars);
  let done = false;
  /** The next piece of records (possibly none), or undefined after the end. */
  const nextPiece = async (): Promise<Piece | undefined> => {
    if (done) return undefined;
    let r: IteratorResult<string>;
    try {
      r = await chunks.next();
    } catch (e) {
      throw new DataFileError(file, undefined, `cannot read ${o.what} file: ${(e as Error).message}`);
    }
    if (r.done) {
      done = true;
      return reader.end();
    }
    return reader.push(r.value);
  };
  let header: string[] | undefined;
  let pending: string[][] = [];
  try {
    while (!header) {
      const p = await nextPiece();
      if (!p) break;
      const recs = parsePiece(file, p, o, undefined);
      if (recs.length) {
        header = recs[0];
        pending = recs.slice(1);
      }
    }
  } catch (e) {
    stream.destroy();
    throw e;
  }
  if (!header) {
    stream.destroy();
    throw new DataFileError(file, undefined, `empty ${o.what} file: expected a header line with column names`);
  }
  const fields = header.length;
  return {
    header,
    async *batches() {
      try {
        for (;;) {
          for (let a = 0; a < pending.length; a += CSV_BATCH_RECORDS) yield pending.slice(a, a + CSV_BATCH_RECORDS);
          const p = await nextPiece();
          if (!p) return;
          pending = parsePiece(file, p, o, fields);
        }
      } finally {
        stream.destroy();
      }
    },
  };
}
