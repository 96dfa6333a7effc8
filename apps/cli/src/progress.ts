import cliProgress from 'cli-progress';
import type { ProgressEvent } from '@pixsed/core';

export interface ProgressReporter {
  update(p: ProgressEvent): void;
  /** A log line: printed above the bar on a terminal (never over it); with `quiet` only warnings and errors are printed. */
  log(message: string): void;
  stop(): void;
}

/** A log message that is a warning or an error (the plug-ins' convention: `warning: ...` / `<stage>: warning: ...`): the only lines `--quiet` prints. */
export const isWarning = (message: string) => /(^|: )(warning|error)\b/i.test(message);

function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

/** Seconds as `42 s`, `3.5 min` or `2.1 h`. */
export function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  return s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`;
}

/** The progress of a run in pixels inferred (rows that reached the sinks) against pixels expected (`expectedRowsOut`). */
export function progressFigures(p: ProgressEvent): { done: number; expected: number | undefined; rate: number; eta: string } {
  const done = p.rowsOut;
  const expected = p.expectedRowsOut === undefined ? undefined : Math.max(p.expectedRowsOut, done);
  const rate = done / Math.max(p.elapsedSeconds, 1e-9);
  const eta = expected === undefined || done === 0 ? '?' : fmtDuration((expected - done) / rate);
  return { done, expected, rate, eta };
}

const plainLine = (p: ProgressEvent) => {
  const { done, expected, rate, eta } = progressFigures(p);
  const pct = expected ? ` (${((100 * done) / expected).toFixed(1)} %)` : '';
  const read = p.totalRows ? `${p.rowsIn}/${p.totalRows}` : `${p.rowsIn}`;
  return `[pixsed] ${done}/${expected ?? '?'} px inferred${pct}, ${read} px read, ${p.batchesOut} batches, ${fmtRate(rate)} px/s, ETA ${eta}\n`;
};

/**
 * Progress of `pixsed run`: pixels inferred against pixels expected (from the mask once known),
 * batches, rate and an ETA in s/min. On a TTY a cli-progress bar, with log lines printed above it
 * (MultiBar.log) so that they never overwrite it; otherwise plain lines every `intervalSeconds`
 * (CI logs, pipes, batch schedulers). `quiet`: no progress, and only warnings and errors logged.
 */
export function createProgress(stream: NodeJS.WriteStream, intervalSeconds: number, quiet = false): ProgressReporter {
  const write = (m: string) => stream.write(`[pixsed] ${m}\n`);
  if (quiet) return { update: () => undefined, log: (m) => void (isWarning(m) && write(m)), stop: () => undefined };
  if (stream.isTTY) {
    const multi = new cliProgress.MultiBar(
      {
        stream,
        format: ' {bar} {percentage}% | {value}/{total} px inferred | {read} px read | {batches} batches | {rate} px/s | ETA {etaText}',
        hideCursor: true,
        fps: 5,
        forceRedraw: true, // redraw the bar below the log lines flushed above it, also when its text is unchanged
      },
      cliProgress.Presets.shades_classic,
    );
    let bar: cliProgress.SingleBar | undefined;
    let pending = false;
    return {
      update(p) {
        const { done, expected, rate, eta } = progressFigures(p);
        const payload = { batches: p.batchesOut, read: p.totalRows ? `${p.rowsIn}/${p.totalRows}` : `${p.rowsIn}`, rate: fmtRate(rate), etaText: eta }; // `eta` is cli-progress's own (unitless) token
        if (!bar) bar = multi.create(expected ?? done, done, payload);
        else {
          if (expected !== undefined) bar.setTotal(expected);
          bar.update(done, payload);
        }
      },
      log(m) {
        if (!bar) return void write(m);
        multi.log(`[pixsed] ${m}\n`);
        pending = true;
      },
      stop() {
        if (!bar) return;
        if (pending) multi.update(); // flush the lines logged since the last redraw
        multi.stop();
        bar = undefined;
        pending = false;
      },
    };
  }
  let last = -Infinity;
  let latest: ProgressEvent | undefined;
  return {
    update(p) {
      latest = p;
      if (p.elapsedSeconds - last >= intervalSeconds) {
        last = p.elapsedSeconds;
        stream.write(plainLine(p));
      }
    },
    log: write,
    stop() {
      if (latest && last !== latest.elapsedSeconds) stream.write(plainLine(latest));
      latest = undefined;
    },
  };
}
