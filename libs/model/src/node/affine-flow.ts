import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigError, createPrng, fillNormal, ModelMismatchError } from '@pixsed/core';
import type { ModelManifest } from '../model-manifest.js';

/**
 * The native sampler of affine-flow models (ADR 0015): the weights of an `affine-folded-v1` model.onnx
 * (tools/train/pixsed_train/export.py, AffineSamplingGraph) read from the ONNX file itself, packed for the C kernel in
 * libs/model/native, and that kernel loaded. The ONNX graph stays the model's definition: PosteriorModel checks the
 * kernel against onnxruntime on every load (`checkAgainst`) and falls back to onnxruntime where it differs or is absent.
 */

/** Which sampler runs the flow: `auto` (native where built and checked, else onnxruntime), `onnx`, `native` (else an error). */
export type SamplerKernel = 'auto' | 'onnx' | 'native';
export const SAMPLER_KERNELS: readonly SamplerKernel[] = ['auto', 'onnx', 'native'];

/** The graph layout the native kernel implements (manifest `sampler.graph`). */
export const NATIVE_GRAPH = 'affine-folded-v1';

/** The kernel's header and weights (affine_flow.c `build` reads them in this order). */
export interface PackedAffineFlow {
  header: Int32Array;
  weights: Float32Array;
}

/**
 * The named parts of a packed flow that callers read: parameters D and features F (header[1], header[2]), the feature
 * standardisation (the weights' first 2F values) and the parameters' par_mean and par_std (the weights' tail is
 * par_mean, par_std, logit, lo, range, D values each).
 */
export function packedLayout(p: PackedAffineFlow) {
  const D = p.header[1];
  const F = p.header[2];
  const tail = p.weights.length - 5 * D;
  return {
    D,
    F,
    featMean: p.weights.subarray(0, F),
    featStd: p.weights.subarray(F, 2 * F),
    parMean: p.weights.subarray(tail, tail + D),
    parStd: p.weights.subarray(tail + D, tail + 2 * D),
  };
}

/** Why `manifest`'s sampler is not one the native kernel implements, or undefined when it is (an affine-folded-v1 graph). */
export function nativeRefusal(manifest: ModelManifest): string | undefined {
  if (manifest.sampler.graph !== NATIVE_GRAPH) return `sampler.graph is ${manifest.sampler.graph ?? 'absent'}, not ${NATIVE_GRAPH}`;
  if (manifest.sampler.flow?.kind !== 'affine') return 'sampler.flow is not an affine flow';
  return undefined;
}

// ---- a minimal reader of the ONNX protobuf (onnx.proto3): the graph's nodes and float/bool initializers. Written here
// because the npm protobuf libraries need the .proto schema compiled in, for five fields.

interface OnnxTensor {
  name: string;
  dims: number[];
  /** float32 values (data_type 1) or bytes (bool, data_type 9). */
  values: Float32Array | Uint8Array;
}
interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
}
export interface OnnxGraph {
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

class Pb {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  varint(): number {
    let x = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      x += (b & 0x7f) * mul;
      if (b < 0x80) return x;
      mul *= 128;
    }
  }
  /** Calls `f(field, wire, start, end)` for each field; a length-delimited field's bytes are [start, end). */
  fields(f: (field: number, wire: number, start: number, end: number, value: number) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) {
        const v = this.varint();
        f(field, wire, 0, 0, v);
      } else if (wire === 2) {
        const n = this.varint();
        const s = this.pos;
        this.pos += n;
        if (this.pos > this.end) throw new Error('truncated field');
        f(field, wire, s, this.pos, n);
      } else if (wire === 5) {
        f(field, wire, this.pos, this.pos + 4, 0);
        this.pos += 4;
      } else if (wire === 1) {
        f(field, wire, this.pos, this.pos + 8, 0);
        this.pos += 8;
      } else throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

const utf8 = new TextDecoder();

function readTensor(buf: Uint8Array, start: number, end: number): OnnxTensor {
  const t = { name: '', dims: [] as number[], type: 0, raw: undefined as Uint8Array | undefined, floats: [] as number[] };
  const view = new DataView(buf.buffer, buf.byteOffset);
  new Pb(buf, start, end).fields((field, wire, s, e, v) => {
    if (field === 1 && wire === 0) t.dims.push(v);
    else if (field === 1 && wire === 2) {
      const p = new Pb(buf, s, e);
      while (p.pos < e) t.dims.push(p.varint());
    } else if (field === 2) t.type = v;
    else if (field === 8) t.name = utf8.decode(buf.subarray(s, e));
    else if (field === 9) t.raw = buf.subarray(s, e);
    else if (field === 4 && wire === 2) for (let i = s; i < e; i += 4) t.floats.push(view.getFloat32(i, true));
    else if (field === 4 && wire === 5) t.floats.push(view.getFloat32(s, true));
    else if (field === 14 && v === 1) throw new Error(`initializer ${t.name || '?'} has external data`);
  });
  const n = t.dims.reduce((a, b) => a * b, 1);
  let values: Float32Array | Uint8Array;
  if (t.type === 1) {
    if (t.raw) {
      if (t.raw.length !== 4 * n) throw new Error(`initializer ${t.name}: ${t.raw.length} bytes for ${n} float32 values`);
      values = new Float32Array(n);
      new Uint8Array(values.buffer).set(t.raw); // little-endian, as ONNX stores raw_data
    } else values = Float32Array.from(t.floats);
  } else if (t.type === 9) values = Uint8Array.from(t.raw ?? []);
  else values = new Uint8Array(0); // other types: not read here
  return { name: t.name, dims: t.dims, values };
}

/** The nodes and initializers of an ONNX model's graph (ModelProto.graph: node = 1, initializer = 5). */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  const initializers = new Map<string, OnnxTensor>();
  const nodes: OnnxNode[] = [];
  new Pb(bytes).fields((field, wire, s, e) => {
    if (field !== 7 || wire !== 2) return;
    new Pb(bytes, s, e).fields((gf, gw, gs, ge) => {
      if (gw !== 2) return;
      if (gf === 5) {
        const t = readTensor(bytes, gs, ge);
        initializers.set(t.name, t);
      } else if (gf === 1) {
        const n: OnnxNode = { op: '', inputs: [], outputs: [] };
        new Pb(bytes, gs, ge).fields((nf, nw, ns, ne) => {
          if (nw !== 2) return;
          if (nf === 1) n.inputs.push(utf8.decode(bytes.subarray(ns, ne)));
          else if (nf === 2) n.outputs.push(utf8.decode(bytes.subarray(ns, ne)));
          else if (nf === 4) n.op = utf8.decode(bytes.subarray(ns, ne));
        });
        nodes.push(n);
      }
    });
  });
  return { initializers, nodes };
}

// ---- packing

/**
 * The kernel's header and weights for `manifest`'s affine flow from its ONNX graph, or a reason it cannot be packed.
 * Structure from the manifest's `sampler.flow`; every weight from the graph's initializers (named by the exporter, or
 * found by their place in the graph where torch renamed them: each layer's first-layer state weights feed the Expand
 * beside its context projection; the bounded parameters' hi − lo multiplies the final Sigmoid).
 */
export function packAffineFlow(manifest: ModelManifest, graph: OnnxGraph): PackedAffineFlow | string {
  const refused = nativeRefusal(manifest);
  if (refused) return refused;
  const fl = manifest.sampler.flow!;
  const D = manifest.sampler.noiseDim;
  const F = manifest.features.count;
  const init = graph.initializers;
  const get = (name: string, dims?: number[]): Float32Array => {
    const t = init.get(name);
    if (!t || !(t.values instanceof Float32Array)) throw new Error(`no float32 initializer ${name}`);
    if (dims && (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i]))) throw new Error(`initializer ${name} has shape [${t.dims}], expected [${dims}]`);
    return t.values;
  };
  const producer = new Map<string, OnnxNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const consumers = (out: string) => graph.nodes.filter((n) => n.inputs.includes(out));
  try {
    const nCol = fl.colours?.nBands ?? 0;
    const P = 'sampler.flow.';
    const nEmb = fl.embedLayers + 1;
    const embW: Float32Array[] = [];
    const embB: Float32Array[] = [];
    const embDims = [F + nCol];
    for (let k = 0; k < nEmb; k++) {
      const t = init.get(`${P}embed.${2 * k}.weight`);
      if (!t || t.dims.length !== 2 || t.dims[1] !== embDims[k]) throw new Error(`embed.${2 * k}.weight missing or not [*, ${embDims[k]}]`);
      embDims.push(t.dims[0]);
      embW.push(get(`${P}embed.${2 * k}.weight`));
      embB.push(get(`${P}embed.${2 * k}.bias`, [t.dims[0]]));
    }
    const C = embDims[nEmb];
    const H = fl.hidden;
    const nMid = fl.hiddenLayers - 1;
    const parts: Float32Array[] = [get('sampler.feat_mean', [F]), get('sampler.feat_std', [F])];
    if (nCol) for (const nm of ['mag_mean', 'mag_std', 'col_mean', 'col_std']) parts.push(get(`${P}${nm}`, [nCol]));
    for (let k = 0; k < nEmb; k++) parts.push(embW[k], embB[k]);
    for (let l = 0; l < fl.layers; l++) {
      const wc = `${P}layers.${l}.in_c.weight`;
      parts.push(get(wc, [H, C]), get(`${P}layers.${l}.in_c.bias`, [H]));
      // the state weights: Gemm(c, in_c) -> Unsqueeze -> Concat([Expand(w_in), ·]) in AffineSamplingGraph.forward
      const gemm = graph.nodes.find((n) => n.op === 'Gemm' && n.inputs[1] === wc);
      const unsq = gemm && consumers(gemm.outputs[0]).find((n) => n.op === 'Unsqueeze');
      const cat = unsq && consumers(unsq.outputs[0]).find((n) => n.op === 'Concat');
      const expand = cat && producer.get(cat.inputs[0]);
      if (!expand || expand.op !== 'Expand') throw new Error(`layer ${l}: the first-layer state weights are not found in the graph`);
      parts.push(get(expand.inputs[0], [1, D, H]));
      for (let k = 0; k < nMid; k++) parts.push(get(`${P}layers.${l}.mid.${2 * k}.weight`, [H, H]), get(`${P}layers.${l}.mid.${2 * k}.bias`, [H]));
      parts.push(get(`w_out_${l}`, [2 * (D + 1), H]), get(`b_out_${l}`, [2 * (D + 1)]));
    }
    const mask = init.get('sampler.logit_mask');
    if (!mask || mask.values.length !== D) throw new Error('no sampler.logit_mask of the parameter count');
    const sigmoid = graph.nodes.filter((n) => n.op === 'Sigmoid');
    const rangeName = sigmoid
      .flatMap((s) => consumers(s.outputs[0]).filter((n) => n.op === 'Mul'))
      .flatMap((m) => m.inputs)
      .find((i) => init.get(i)?.dims.join() === String(D));
    if (!rangeName) throw new Error('the bounded parameters’ range (hi − lo) is not found in the graph');
    parts.push(get('sampler.par_mean', [D]), get('sampler.par_std', [D]), Float32Array.from(mask.values, (v) => (v ? 1 : 0)), get('sampler.lo', [D]), get(rangeName, [D]));
    const total = parts.reduce((a, p) => a + p.length, 0);
    const weights = new Float32Array(total);
    let at = 0;
    for (const p of parts) {
      weights.set(p, at);
      at += p.length;
    }
    const header = Int32Array.from([1, D, F, nCol, fl.colours?.refIndex ?? 0, nEmb, ...embDims, C, fl.layers, H, nMid]);
    return { header, weights };
  } catch (e) {
    return (e as Error).message;
  }
}

// ---- the addon

interface Addon {
  create(header: Int32Array, weights: Float32Array, isa: string): unknown;
  run(handle: unknown, features: Float32Array, rows: number, noise: Float32Array, samplesPerRow: number): Float32Array;
  isa(handle: unknown): string;
}

/** The built addon (`npm run build` in libs/model: dist/native/affine_flow.node), also from the sources under vitest. */
export function nativeAddonPath(): string {
  const rel = import.meta.url.endsWith('.ts') ? '../../dist/native/affine_flow.node' : '../native/affine_flow.node';
  return fileURLToPath(new URL(rel, import.meta.url));
}

let addon: Addon | string | undefined;
/** The addon, or why it is not available (not built on this machine, or it fails to load). */
export function nativeAddon(): Addon | string {
  if (addon === undefined) {
    const p = nativeAddonPath();
    if (!existsSync(p)) addon = `${p} is not built (libs/model/native/build.mjs: x86-64 with a C compiler)`;
    else {
      try {
        addon = createRequire(import.meta.url)(p) as Addon;
      } catch (e) {
        addon = `${p} does not load: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  }
  return addon;
}

/** The instruction set the kernel uses: PIXSED_NATIVE_ISA (auto, avx2, avx512), default auto (AVX-512 where present). */
export function nativeIsa(): string {
  const isa = process.env.PIXSED_NATIVE_ISA ?? 'auto';
  if (!NATIVE_ISAS.includes(isa)) throw new ConfigError('PIXSED_NATIVE_ISA', [{ path: 'PIXSED_NATIVE_ISA', message: `expected one of ${NATIVE_ISAS.join(', ')}, got ${JSON.stringify(isa)}` }], 'environment');
  return isa;
}
const NATIVE_ISAS = ['auto', 'avx2', 'avx512'];

/** A native flow on this thread: `run` samples [rows, samplesPerRow, D] like the graph. */
export class NativeAffineFlow {
  private constructor(
    private readonly lib: Addon,
    private readonly handle: unknown,
    readonly D: number,
    readonly isa: string,
  ) {}

  /** The kernel on `packed`, or why not (addon absent, CPU without the instruction set, layout refused). */
  static create(packed: PackedAffineFlow, isa = nativeIsa()): NativeAffineFlow | string {
    const lib = nativeAddon();
    if (typeof lib === 'string') return lib;
    try {
      const h = lib.create(packed.header, packed.weights, isa);
      return new NativeAffineFlow(lib, h, packedLayout(packed).D, lib.isa(h));
    } catch (e) {
      return `the native sampler refused the model: ${(e as Error).message}`;
    }
  }

  run(features: Float32Array, rows: number, noise: Float32Array, samplesPerRow: number): Float32Array {
    return this.lib.run(this.handle, features, rows, noise, samplesPerRow);
  }
}

/** Rows and samples of the load-time check: rows spread around the training features, keyed noise. */
const CHECK_ROWS = 6;
const CHECK_SAMPLES = 40;
/** The check rows' features: the training mean + CHECK_SPREAD × its std × N(0, 1) per feature, keyed. */
const CHECK_SPREAD = 0.1;
/**
 * Largest difference accepted by the check, relative to the value's distance from the parameter's mean plus its std
 * (par_std): float32 summation order differs from onnxruntime's; measured ≤ 5e-6 on the shipped affine models.
 */
export const NATIVE_CHECK_TOLERANCE = 1e-4;

/**
 * Compares `flow` with the graph (`runGraph`, onnxruntime) on CHECK_ROWS feature rows near the training mean
 * (CHECK_SPREAD) × CHECK_SAMPLES keyed samples; returns the largest |native − graph| / (|graph − par_mean| + par_std).
 * Rows far outside the training support are not used: there the flow amplifies float32 rounding (samples of ±1000,
 * differences up to 1e-3 of par_std at half a std from the mean on every feature at once), which says nothing of
 * a wrong weight, whose difference is of order one.
 */
export async function checkAgainst(
  flow: NativeAffineFlow,
  packed: PackedAffineFlow,
  runGraph: (features: Float32Array, rows: number, noise: Float32Array, samplesPerRow: number) => Promise<Float32Array>,
): Promise<number> {
  const { F, D, featMean: mean, featStd: std, parMean, parStd } = packedLayout(packed);
  const prng = createPrng(20261202);
  const feats = new Float32Array(CHECK_ROWS * F);
  const u = new Float32Array(CHECK_ROWS * F);
  fillNormal(prng, u);
  for (let r = 0; r < CHECK_ROWS; r++) for (let i = 0; i < F; i++) feats[r * F + i] = mean[i] + std[i] * CHECK_SPREAD * u[r * F + i];
  const noise = new Float32Array(CHECK_ROWS * CHECK_SAMPLES * D);
  fillNormal(prng, noise);
  const a = flow.run(feats, CHECK_ROWS, noise, CHECK_SAMPLES);
  const b = await runGraph(feats, CHECK_ROWS, noise, CHECK_SAMPLES);
  if (a.length !== b.length) throw new ModelMismatchError(`native check: ${a.length} vs ${b.length} values`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = i % D;
    const diff = Math.abs(a[i] - b[i]) / (Math.abs(b[i] - parMean[d]) + parStd[d]);
    if (!(diff <= worst)) worst = Number.isNaN(diff) ? Infinity : diff;
  }
  return worst;
}
