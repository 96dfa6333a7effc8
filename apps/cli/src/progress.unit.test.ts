import { describe, expect, it } from 'vitest';
import { createProgress, fmtDuration, isWarning, progressFigures } from './progress.js';

const event = (rowsOut: number, expectedRowsOut: number | undefined, elapsedSeconds: number) => ({ rowsIn: 100, batchesIn: 1, rowsOut, batchesOut: 1, totalRows: 1000, expectedRowsOut, elapsedSeconds });

/** A fake stderr: collects what is written. */
function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => (chunks.push(String(s)), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

describe('progress of pixsed run', () => {
  it('counts pixels inferred against pixels expected; ETA from the rate in s, min or h', () => {
    expect(progressFigures(event(250, 1000, 10))).toMatchObject({ done: 250, expected: 1000, rate: 25, eta: '30 s' });
    expect(progressFigures(event(100, 10_000, 10)).eta).toBe('16.5 min'); // 9900 px at 10 px/s = 990 s
    expect(progressFigures(event(0, 1000, 10)).eta).toBe('?');
    expect(progressFigures(event(10, undefined, 1)).expected).toBeUndefined();
    expect(progressFigures(event(1200, 1000, 1)).expected).toBe(1200); // never below what is done
    expect([fmtDuration(42), fmtDuration(300), fmtDuration(7200), fmtDuration(NaN)]).toEqual(['42 s', '5.0 min', '2.0 h', '?']);
  });

  it('--quiet logs warnings and errors only', () => {
    const { stream, text } = fakeStream(false);
    const p = createProgress(stream, 0, true);
    p.update(event(1, 2, 1));
    p.log('band f090w: sci ... → nJy/px');
    p.log('psf: warning: band f090w kernel misses the f444w encircled energy by 6.0 %');
    p.log('warning: x.fits (f090w err) has no WCS');
    p.stop();
    expect(text()).toBe('[pixsed] psf: warning: band f090w kernel misses the f444w encircled energy by 6.0 %\n[pixsed] warning: x.fits (f090w err) has no WCS\n');
    expect(isWarning('band f090w: err x.fits ERR [nJy]')).toBe(false);
  });

  it('on a terminal, a log line goes above the bar (line cleared first) and the bar is drawn again below it', () => {
    const { stream, text } = fakeStream(true);
    const p = createProgress(stream, 0);
    p.update(event(10, 100, 1));
    p.log('galaxies: 5 galaxies');
    p.stop();
    const t = text();
    const at = t.indexOf('[pixsed] galaxies: 5 galaxies\n');
    expect(at).toBeGreaterThan(0);
    expect(t.slice(0, at)).toMatch(/\x1b\[2K$/); // cleared the bar's line, then wrote the log line
    expect(t.slice(at)).toMatch(/10\/100 px inferred/); // the bar again, below
  });
});
