import { Observable } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { batchBytes } from './batch.js';
import type { FlowGate } from './flow-gate.js';

/**
 * An Observable that pulls from an async iterable only while the gate admits batches.
 * `from(asyncIterable)` would pull as fast as it can; this pulls on demand.
 * Unsubscribing stops pulling and calls the iterator's `return()` (its `finally` closes files).
 */
export function pullSource(iterable: AsyncIterable<RecordBatch>, gate: FlowGate, onBatch?: (b: RecordBatch) => void): Observable<RecordBatch> {
  return new Observable<RecordBatch>((subscriber) => {
    const it = iterable[Symbol.asyncIterator]();
    let stopped = false;
    let pulling = false;

    const pump = async (): Promise<void> => {
      if (pulling || stopped) return;
      pulling = true;
      try {
        while (!stopped && gate.canAdmit()) {
          const r = await it.next();
          if (stopped) return;
          if (r.done) {
            stopped = true;
            subscriber.complete();
            return;
          }
          gate.admit(batchBytes(r.value));
          onBatch?.(r.value);
          subscriber.next(r.value);
        }
      } catch (err) {
        stopped = true;
        subscriber.error(err);
      } finally {
        pulling = false;
      }
    };

    const off = gate.onRelease(() => void pump());
    void pump();
    return () => {
      const wasRunning = !stopped;
      stopped = true;
      off();
      if (wasRunning) void it.return?.(undefined)?.catch(() => undefined);
    };
  });
}
