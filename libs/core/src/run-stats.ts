/**
 * Counters of one run. Every pixel that enters is either in the output or counted here
 * with the reason it was removed.
 */
export class RunStats {
  rowsIn = 0;
  batchesIn = 0;
  rowsOut = 0;
  batchesOut = 0;
  /** Rows removed from the stream, by reason (a flag name). */
  readonly dropped: Record<string, number> = {};
  /** Output rows with each flag set. */
  readonly rowsPerFlag: Record<string, number> = {};

  /** A stage removed `n` rows for `reason` (a flag name). */
  recordDropped(reason: string, n: number): void {
    if (n > 0) this.dropped[reason] = (this.dropped[reason] ?? 0) + n;
  }

  droppedTotal(): number {
    return Object.values(this.dropped).reduce((a, b) => a + b, 0);
  }
}
