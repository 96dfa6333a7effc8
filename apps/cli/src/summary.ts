import type { RunSummary } from '@pixsed/core';

/** Human-readable run summary: rows in/out, rows per flag, dropped rows by reason, time, memory. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `pipeline      ${s.pipeline}`,
    `rows in       ${s.rowsIn} (${s.batchesIn} batches)`,
    `rows out      ${s.rowsOut} (${s.batchesOut} batches)`,
  ];
  const dropped = Object.entries(s.droppedByReason);
  lines.push(`dropped       ${dropped.length ? dropped.map(([k, v]) => `${k}=${v}`).join(', ') : 'none'}`);
  const flagged = Object.entries(s.rowsPerFlag);
  lines.push(`rows per flag ${flagged.length ? flagged.map(([k, v]) => `${k}=${v}`).join(', ') : 'none'}`);
  lines.push(`wall time     ${s.wallSeconds.toFixed(2)} s (${(s.rowsIn / Math.max(s.wallSeconds, 1e-9)).toFixed(0)} px/s)`);
  lines.push(`peak RSS      ${s.peakRssMB.toFixed(0)} MB (max in flight: ${s.maxInFlightBatches} batches, ${s.maxInFlightMB.toFixed(1)} MB)`);
  for (const o of s.outputs) lines.push(`output        ${o}`);
  return lines.join('\n');
}
