#!/usr/bin/env node
// Stand-alone entry until `pixsed simulate mosaic` is registered in apps/cli:
//   npx tsc -b libs/mocks && node libs/mocks/scripts/simulate-mosaic.mjs --config test-data/mosaic/mosaic.yaml --out test-data/mosaic
import { parseArgs } from 'node:util';
import { simulateMosaicCommand } from '@pixsed/mocks/node';

const { values } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' }, quiet: { type: 'boolean' } } });
if (!values.config || !values.out) {
  process.stderr.write('usage: simulate-mosaic.mjs --config mosaic.yaml --out DIR [--quiet]\n');
  process.exit(2);
}
await simulateMosaicCommand({ config: values.config, out: values.out, quiet: values.quiet });
