/**
 * Named error classes for the whole project, created in one place.
 * Every message names the file (where there is one), the field and what was expected.
 */
export class PixsedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ConfigIssue {
  /** YAML path such as `stages[2].snrThreshold` (empty for the root). */
  path: string;
  message: string;
}

/** A pipeline or survey configuration failed validation. */
export class ConfigError extends PixsedError {
  readonly file: string | undefined;
  readonly issues: ConfigIssue[];
  constructor(file: string | undefined, issues: ConfigIssue[], what = 'pipeline config') {
    const where = file ? `${file}` : `<inline ${what}>`;
    const lines = issues.map((i) => `  - ${i.path || '<root>'}: ${i.message}`);
    super(`Invalid ${what} in ${where}:\n${lines.join('\n')}`);
    this.file = file;
    this.issues = issues;
  }
}

/** A FITS file is malformed or uses a feature we do not support. */
export class FitsFormatError extends PixsedError {
  constructor(
    readonly file: string,
    readonly card: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}${card ? ` [${card}]` : ''}: ${problem}`);
  }
}

/** Inputs carry units that cannot be converted; lists every offending input. */
export class UnitMismatchError extends PixsedError {
  constructor(readonly offenders: { input: string; unit: string; expected: string }[]) {
    super(
      `Unit mismatch:\n${offenders.map((o) => `  - ${o.input}: unit '${o.unit}', expected ${o.expected}`).join('\n')}`,
    );
  }
}

/** Images or bands that should share a pixel grid do not. */
export class GridMismatchError extends PixsedError {
  constructor(readonly differences: string[]) {
    super(`Pixel grids differ:\n${differences.map((d) => `  - ${d}`).join('\n')}`);
  }
}

/** A model (ONNX + manifest) does not fit the data it is asked to process. */
export class ModelMismatchError extends PixsedError {}

/** A stage received a batch without the columns or metadata it needs. */
export class SchemaError extends PixsedError {}

/** Writing an output failed (ENOSPC, EACCES, EISDIR ...): names the file, the sink and the cause. */
export class OutputError extends PixsedError {
  constructor(
    readonly file: string,
    readonly sink: string | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${sink ? `sink '${sink}': ` : ''}${file}: ${problem}`, options);
  }
}

/** A run was cancelled (SIGINT, SIGTERM or an abort signal); `exitCode` follows the shell convention 128 + signal number. */
export class RunCancelledError extends PixsedError {
  constructor(
    message: string,
    readonly signal?: 'SIGINT' | 'SIGTERM',
  ) {
    super(message);
  }
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : this.signal === 'SIGTERM' ? 143 : 1;
  }
}

/** A reference-data file (filters, SSPs, noise tables) is missing or malformed. */
export class DataFileError extends PixsedError {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(`${file}${field ? ` (${field})` : ''}: ${problem}`);
  }
}

/** PSF preparation, matching-kernel or convolution inputs are invalid (e.g. target PSF narrower than source). */
export class PsfMatchingError extends PixsedError {}
