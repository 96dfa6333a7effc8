import { PixsedError } from './errors.js';

export interface FlowGateOptions {
  /** Most batches between the source and the end of the sinks at once. */
  maxBatches: number;
  /** Most bytes in flight; one batch is always admitted when nothing is in flight. */
  maxBytes: number;
}

/**
 * Credit-based backpressure: the source admits a batch only while in-flight batches and bytes
 * are below the high-water marks; the sink releases the credit after writing. Stages map one
 * batch to one batch in order, so credits are released first-in first-out.
 */
export class FlowGate {
  private readonly sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private readonly listeners = new Set<() => void>();
  maxSeenBatches = 0;
  maxSeenBytes = 0;

  constructor(readonly options: FlowGateOptions) {
    if (!(options.maxBatches >= 1)) throw new PixsedError(`maxInFlightBatches must be ≥ 1, got ${options.maxBatches}`);
    if (!(options.maxBytes > 0)) throw new PixsedError(`maxInFlightMB must be > 0, got ${options.maxBytes}`);
  }

  get inFlight(): number {
    return this.sizes.length - this.head;
  }

  get inFlightBytes(): number {
    return this.bytes;
  }

  /** May the source produce another batch now? */
  canAdmit(): boolean {
    if (this.inFlight === 0) return true;
    return this.inFlight < this.options.maxBatches && this.bytes < this.options.maxBytes;
  }

  admit(bytes: number): void {
    this.sizes.push(bytes);
    this.bytes += bytes;
    this.maxSeenBatches = Math.max(this.maxSeenBatches, this.inFlight);
    this.maxSeenBytes = Math.max(this.maxSeenBytes, this.bytes);
  }

  /** The oldest admitted batch has left the pipeline. Extra batches (stage flushes) release nothing. */
  release(): void {
    if (this.inFlight === 0) return;
    this.bytes -= this.sizes[this.head++];
    if (this.head > 1024 && this.head * 2 > this.sizes.length) {
      this.sizes.splice(0, this.head);
      this.head = 0;
    }
    for (const l of [...this.listeners]) l();
  }

  onRelease(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
