import type { FitsStripWriter } from '@pixsed/fits/node';

/** Run `body` over open strip writers: close them all when it succeeds, abort them all (no torn files) when it throws. */
export async function withStripWriters<T>(writers: FitsStripWriter[], body: () => Promise<T>): Promise<T> {
  try {
    const r = await body();
    for (const w of writers) await w.close();
    return r;
  } catch (e) {
    for (const w of writers) await w.abort();
    throw e;
  }
}
