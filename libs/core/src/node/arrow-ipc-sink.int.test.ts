import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { batchFromColumns } from '../batch.js';
import { directOutput } from '../run-pipeline.js';
import type { InitContext } from '../stage.js';
import { galaxiesCompleteMetadata, pixelsMetadata, stripMetadata } from '../strip-geometry.js';
import { minimalStreamInfo, STREAM_INFO_KEY } from '../stream-info.js';
import { arrowIpcSink } from './arrow-ipc-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'pixsed-ipc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('arrow-ipc sink', () => {
  it('schema metadata is the StreamInfo and the run-level entries, not strip 0\'s geometry or completed galaxies', async () => {
    const stream = { ...minimalStreamInfo('source:test', ['f444w']), mosaic: { width: 3, height: 4, stripRows: 2, tileColumns: 3, haloRows: 0 } };
    const init = { outDir: dir, output: directOutput(dir), pipelineDir: dir, signal: new AbortController().signal, log: () => undefined, stream } as unknown as InitContext;
    const sink = await arrowIpcSink.create(arrowIpcSink.configSchema.parse({ path: 'p.arrows' }), init);
    for (let y0 = 0; y0 < 4; y0 += 2) {
      const meta = {
        ...stripMetadata({ x0: 0, y0, width: 3, height: 2, haloTop: 0, haloBottom: 0, mosaicWidth: 3, mosaicHeight: 4 }),
        ...pixelsMetadata(6),
        ...galaxiesCompleteMetadata(y0 ? [{ id: 1, x0: 0, x1: 2, y0: 0, y1: 3, nPixels: 12 }] : []),
        'pixsed.provenance': '[{"stage":"psf"}]',
      };
      await sink.write(batchFromColumns({ x: new Float32Array(6).fill(y0) }, meta));
    }
    const [file] = await sink.close();
    const table = tableFromIPC(readFileSync(file));
    expect(table.numRows).toBe(12);
    const meta = table.schema.metadata;
    expect(JSON.parse(meta.get(STREAM_INFO_KEY)!)).toEqual(stream);
    expect(meta.get('pixsed.provenance')).toBe('[{"stage":"psf"}]');
    expect([...meta.keys()].sort()).toEqual(['pixsed.provenance', STREAM_INFO_KEY].sort());
  });

  it('abort before any batch (validate-config creates and aborts every sink) leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      const init = { outDir: dir, output: directOutput(dir), pipelineDir: dir, signal: new AbortController().signal, log: () => undefined, stream: minimalStreamInfo('source:test', []) } as unknown as InitContext;
      const sink = await arrowIpcSink.create(arrowIpcSink.configSchema.parse({ path: 'aborted.arrows' }), init);
      await sink.abort!();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });
});
