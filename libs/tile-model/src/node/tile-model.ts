import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { ConfigError, ModelMismatchError, parseConfig, sha256Hex } from '@pixsed/core';
import { graphRunner, openOnnxSession, readModelBytes, type OnnxSession } from '@pixsed/model/node';
import { manifestBands, tileModelManifestSchema, type TileModelManifest } from '../tile-model-manifest.js';

/** Find and validate the manifest of an image model given its `.onnx`, its manifest, or its folder. */
export function loadTileManifest(path: string): { manifest: TileModelManifest; manifestFile: string; onnxFile: string } {
  const p = resolve(path);
  const manifestFile = extname(p) === '.json' ? p : extname(p) === '.onnx' ? join(dirname(p), 'manifest.json') : join(p, 'manifest.json');
  if (!existsSync(manifestFile)) throw new ModelMismatchError(`tile-model manifest not found: ${manifestFile} (an image model is an .onnx file with manifest.json beside it)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new ConfigError(manifestFile, [{ path: '', message: `not valid JSON: ${(e as Error).message}` }], 'tile-model manifest');
  }
  const manifest = parseConfig(tileModelManifestSchema, raw, manifestFile, 'tile-model manifest');
  const seen = new Set<string>();
  manifest.input.channels.forEach((c, i) => {
    if (c.kind !== 'band') return;
    if (seen.has(c.band)) throw new ConfigError(manifestFile, [{ path: `input.channels[${i}].band`, message: `band ${c.band} appears twice` }], 'tile-model manifest');
    seen.add(c.band);
  });
  const names = manifest.output.parameters.map((q) => q.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(manifestFile, [{ path: 'output.parameters', message: `parameter ${dup} appears twice` }], 'tile-model manifest');
  const onnxFile = extname(p) === '.onnx' ? p : join(dirname(manifestFile), manifest.model);
  return { manifest, manifestFile, onnxFile };
}

/**
 * An image model: manifest + ONNX graph `input [N, C, H, W] → output [N, 2P, H, W]` (pinned by the manifest's
 * sha256). `load` runs one zero tile to check the graph against the manifest's sizes and parameters.
 */
export class TileModel {
  private constructor(
    readonly manifest: TileModelManifest,
    readonly manifestFile: string,
    readonly onnxFile: string,
    readonly sha256: string,
    private readonly session: OnnxSession,
  ) {}

  static async load(path: string, opts: { threads?: number } = {}): Promise<TileModel> {
    const { manifest, manifestFile, onnxFile } = loadTileManifest(path);
    const bytes = readModelBytes(onnxFile);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== manifest.modelSha256) {
      throw new ModelMismatchError(`model file ${onnxFile} has sha256 ${sha256}, but its manifest ${manifestFile} pins modelSha256 ${manifest.modelSha256}: the model was replaced or the manifest belongs to another model`);
    }
    const session = await openOnnxSession(onnxFile, opts.threads ?? 1, 'ONNX image model', bytes);
    const m = new TileModel(manifest, manifestFile, onnxFile, sha256, session);
    try {
      if (!session.inputNames.includes(manifest.input.name)) throw new ModelMismatchError(`${onnxFile}: no input '${manifest.input.name}' (inputs: ${session.inputNames.join(', ')}), as ${manifestFile} input.name says`);
      if (!session.outputNames.includes(manifest.output.name)) throw new ModelMismatchError(`${onnxFile}: no output '${manifest.output.name}' (outputs: ${session.outputNames.join(', ')}), as ${manifestFile} output.name says`);
      await m.run(new Float32Array(m.inputSize), 1);
    } catch (e) {
      await session.release();
      throw e;
    }
    return m;
  }

  get bands(): string[] {
    return manifestBands(this.manifest);
  }

  get parameters(): { name: string; unit: string }[] {
    return this.manifest.output.parameters.map((p) => ({ name: p.name, unit: p.unit }));
  }

  /** Floats of one input tile (C × H × W). */
  get inputSize(): number {
    const i = this.manifest.input;
    return i.channels.length * i.heightPx * i.widthPx;
  }

  /** [n, 2P, H, W] for `n` tiles [n, C, H, W]; a graph whose output disagrees with the manifest is a ModelMismatchError naming its keys. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    const { heightPx: H, widthPx: W, channels } = this.manifest.input;
    const P = this.manifest.output.parameters.length;
    let r: Awaited<ReturnType<ReturnType<typeof graphRunner>>>;
    try {
      r = await graphRunner(this.session, this.onnxFile)({ [this.manifest.input.name]: { data: input, dims: [n, channels.length, H, W] } }, this.manifest.output.name);
    } catch (e) {
      throw new ModelMismatchError(`${this.onnxFile}: the graph does not accept [${n}, ${channels.length}, ${H}, ${W}] as ${this.manifestFile} input.channels (${channels.length}), input.heightPx and input.widthPx say: ${(e as Error).message.split('\n')[0]}`);
    }
    const d = r.dims;
    if (d.length !== 4 || d[0] !== n || d[1] !== 2 * P || d[2] !== H || d[3] !== W) {
      throw new ModelMismatchError(`${this.onnxFile}: output '${this.manifest.output.name}' has shape [${d.join(', ')}], expected [${n}, ${2 * P}, ${H}, ${W}] from ${this.manifestFile} output.parameters (${P}: mean and ln σ each) and input.heightPx/widthPx`);
    }
    return r.data;
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
