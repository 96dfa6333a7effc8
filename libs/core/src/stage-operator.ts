import { Observable, type OperatorFunction } from 'rxjs';
import type { RecordBatch } from 'apache-arrow';
import { appendProvenance, configHash, type ProvenanceEntry } from './provenance.js';
import type { StageContext, StageInstance } from './stage.js';

/** A stage's provenance entry: name, version, config hash and the instance's own details (model sha256, kernel keys). */
export function stageProvenance(stage: string, version: string, config: unknown, instance: StageInstance): ProvenanceEntry {
  return { stage, version, configHash: configHash(config), ...(instance.provenance ? { details: instance.provenance } : {}) };
}

export interface StageOperatorOptions {
  version: string;
  config: unknown;
  /** Batches processed at once; output order is the input order. */
  concurrency?: number;
}

/**
 * The generic adapter: a stage instance becomes an RxJS operator that maps each batch through
 * the kernel (up to `concurrency` at once, order preserved), stamps provenance
 * `{stage, version, configHash}` into the schema metadata, and emits the stage's flush
 * batches when the input completes.
 */
export function stageOperator(instance: StageInstance, ctx: StageContext, options: StageOperatorOptions): OperatorFunction<RecordBatch, RecordBatch> {
  const entry = stageProvenance(ctx.stageName, options.version, options.config, instance);
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const stamp = (b: RecordBatch) => appendProvenance(b, entry);

  return (source) =>
    new Observable<RecordBatch>((subscriber) => {
      const results = new Map<number, RecordBatch>();
      const waiting: { index: number; batch: RecordBatch }[] = [];
      let nextIn = 0;
      let nextOut = 0;
      let running = 0;
      let inputDone = false;
      let finished = false;

      const fail = (err: unknown) => {
        if (finished) return;
        finished = true;
        subscriber.error(err);
      };

      const maybeFinish = async () => {
        if (!inputDone || running > 0 || waiting.length > 0 || results.size > 0 || finished) return;
        finished = true;
        try {
          const extra = (await instance.flush?.(ctx)) ?? [];
          for (const b of extra) subscriber.next(stamp(b));
          subscriber.complete();
        } catch (err) {
          subscriber.error(err);
        }
      };

      const drain = () => {
        while (results.has(nextOut)) {
          const b = results.get(nextOut)!;
          results.delete(nextOut++);
          subscriber.next(b);
        }
      };

      const start = () => {
        while (running < concurrency && waiting.length > 0 && !finished) {
          const { index, batch } = waiting.shift()!;
          running++;
          Promise.resolve()
            .then(() => instance.kernel(batch, ctx))
            .then(
              (out) => {
                running--;
                if (finished) return;
                results.set(index, stamp(out));
                drain();
                start();
                void maybeFinish();
              },
              (err) => {
                running--;
                fail(err);
              },
            );
        }
      };

      const sub = source.subscribe({
        next: (batch) => {
          waiting.push({ index: nextIn++, batch });
          start();
        },
        error: fail,
        complete: () => {
          inputDone = true;
          void maybeFinish();
        },
      });
      return () => {
        finished = true;
        sub.unsubscribe();
      };
    });
}
