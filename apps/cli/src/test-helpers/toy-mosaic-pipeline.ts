import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pythonExecutable } from '@pixsed/core/node';

/** What the toy-model mosaic tests share: the repo, the CLI, the demo mosaic, Python with onnx + numpy (for the toy models), three bands. */
export const toy = (() => {
  const root = resolve(__dirname, '..', '..', '..', '..');
  const mosaic = join(root, 'test-data/mosaic');
  const py = pythonExecutable();
  return {
    root,
    bin: join(root, 'apps/cli/dist/main.js'),
    mosaic,
    py,
    makeModel: join(root, 'libs/model/test-scripts/make_toy_model.py'),
    ready: existsSync(join(mosaic, 'survey.json')) && spawnSync(py, ['-c', 'import onnx, numpy'], { encoding: 'utf8' }).status === 0,
    bands: ['f277w', 'f356w', 'f444w'],
  };
})();

/**
 * The demo mosaic (test-data/mosaic) in three bands through psf → snr-mask → inference, as YAML for the toy-model
 * integration tests: `inference` and `sinks` are the YAML lines that follow (indented as in a pipeline file).
 */
export function toyMosaicPipeline(o: { name: string; mosaic: string; bands: string[]; catalog: string; model: string; samplesPerPixel: number; inference?: string; sinks: string }): string {
  return `name: ${o.name}
source:
  type: mosaic
  survey: ${join(o.mosaic, 'survey.json')}
  imageDir: ${o.mosaic}
  bands: [${o.bands.join(', ')}]
  segmentation: ${join(o.mosaic, 'segmentation.fits')}
  catalog: ${o.catalog}
  stripRows: 64
  haloRows: 12
stages:
  - type: psf
    psfs: { f277w: { fwhmArcsec: 0.092 }, f356w: { fwhmArcsec: 0.116 }, f444w: { fwhmArcsec: 0.145 } }
  - type: snr-mask
  - type: inference
    model: ${o.model}
    samplesPerPixel: ${o.samplesPerPixel}
${o.inference ?? ''}sinks:
${o.sinks}`;
}
