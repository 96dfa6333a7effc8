import cliProgress from 'cli-progress';
import type { ProgressEvent } from '@pixsed/core';

export interface ProgressReporter {
  update(p: ProgressEvent): void;
  stop(): void;
}

function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
}

function fmtEta(p: ProgressEvent): string {
  if (!p.totalRows || p.rowsIn === 0) return '?';
  const s = (p.elapsedSeconds * (p.totalRows - p.rowsIn)) / p.rowsIn;
  return s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

/**
 * A progress bar (pixels, batches, rate, ETA) on a TTY; plain log lines every `intervalSeconds`
 * otherwise (CI logs, pipes, batch schedulers).
 */
export function createProgress(stream: NodeJS.WriteStream, intervalSeconds: number, quiet = false): ProgressReporter {
  if (quiet) return { update: () => undefined, stop: () => undefined };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: ' {bar} {percentage}% | {value}/{total} px | {batches} batches | {rate} px/s | ETA {eta}',
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = { batches: p.batchesOut, rate: fmtRate(p.rowsIn / Math.max(p.elapsedSeconds, 1e-9)), eta: fmtEta(p) };
        if (!started) {
          bar.start(p.totalRows ?? 0, 0, payload);
          started = true;
        }
        bar.update(Math.min(p.rowsIn, p.totalRows ?? p.rowsIn), payload);
        if (!p.totalRows) bar.setTotal(p.rowsIn);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = -Infinity;
  let latest: ProgressEvent | undefined;
  const line = (p: ProgressEvent) => {
    const pct = p.totalRows ? ` (${((100 * p.rowsIn) / p.totalRows).toFixed(1)}%)` : '';
    stream.write(
      `[pixsed] ${p.rowsIn} px in${pct}, ${p.rowsOut} rows out, ${p.batchesOut} batches, ${fmtRate(p.rowsIn / Math.max(p.elapsedSeconds, 1e-9))} px/s, ETA ${fmtEta(p)}\n`,
    );
  };
  return {
    update(p) {
      latest = p;
      if (p.elapsedSeconds - last >= intervalSeconds) {
        last = p.elapsedSeconds;
        line(p);
      }
    },
    stop() {
      if (latest && last !== latest.elapsedSeconds) line(latest);
      latest = undefined;
    },
  };
}
