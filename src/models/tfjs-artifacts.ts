import type * as tf from '../core/tf.js';
import { ModelError, safeRelativePath } from './safe-path.js';
import type { LayersArtifacts } from './layers-adapter.js';

/** Reads a file of the model's folder by its relative path. */
export type FileReader = (relativePath: string) => Promise<Uint8Array>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1, int8: 1, int16: 2 };

/** A value from model.json, quoted and cut short for a one-line message. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return (text.length > 60 ? `${text.slice(0, 57)}...` : text).replace(/[\u0000-\u001f]/g, ' ');
}

function bytesPer(dtype: unknown): number | undefined {
  return typeof dtype === 'string' && Object.hasOwn(BYTES, dtype) ? BYTES[dtype] : undefined;
}

/**
 * Checks one weight entry of the manifest (its fields come from an untrusted file) and returns the
 * bytes it occupies in the weight files.
 */
function specBytes(spec: unknown, what: string): number {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw new ModelError(`${what}: a weight entry is ${show(spec)}, not an object`);
  const s = spec as Record<string, unknown>;
  if (typeof s.name !== 'string') throw new ModelError(`${what}: a weight entry has no name`);
  const name = show(s.name);
  if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw new ModelError(`${what}: weight ${name}: invalid shape ${show(s.shape)}`);
  }
  if (bytesPer(s.dtype) === undefined) throw new ModelError(`${what}: weight ${name}: unsupported dtype ${show(s.dtype)}`);
  let dtype = s.dtype;
  if (s.quantization !== undefined) {
    const q = s.quantization as Record<string, unknown> | null;
    if (!q || typeof q !== 'object' || !['uint8', 'uint16', 'float16'].includes(q.dtype as string)) {
      throw new ModelError(`${what}: weight ${name}: unsupported quantization ${show(q)}`);
    }
    // Without a finite scale and minimum, dequantisation yields NaN weights.
    if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
      throw new ModelError(`${what}: weight ${name}: quantization needs a finite scale and min, got ${show(q)}`);
    }
    dtype = q.dtype;
  }
  return (s.shape as number[]).reduce((a, b) => a * b, 1) * bytesPer(dtype)!;
}

/** Layer classes whose config is itself a model (checked recursively). */
const FUNCTIONAL = new Set(['Model', 'Functional']);

/**
 * Checks that a functional model's layer graph can be built: tfjs-layers re-queues a layer call
 * whose input is not there yet and loops until every call is made, so a call that never can be
 * (an input naming no layer, a node index past the calls made, a cycle) would hang the process.
 * This runs the same scheduling on the names alone and reports what is stuck.
 */
function checkTopology(topology: unknown, what: string, depth = 0): void {
  if (depth > 16) throw new ModelError(`${what}: models nested more than 16 deep`);
  if (!topology || typeof topology !== 'object') return;
  const t = topology as Record<string, unknown>;
  const top = (t.model_config ?? t) as Record<string, unknown>;
  const config = top.config as Record<string, unknown> | unknown[] | undefined;
  const layers = Array.isArray(config) ? config : config && typeof config === 'object' ? (config as Record<string, unknown>).layers : undefined;
  if (!Array.isArray(layers)) return;
  for (const l of layers as Record<string, unknown>[]) {
    if (l && typeof l === 'object' && (FUNCTIONAL.has(l.class_name as string) || l.class_name === 'Sequential')) checkTopology(l, what, depth + 1);
  }
  if (!FUNCTIONAL.has(top.class_name as string)) return;
  const calls = new Map<string, number>();
  const pending: { layer: string; inputs: unknown[] }[] = [];
  for (const l of layers as Record<string, unknown>[]) {
    if (!l || typeof l !== 'object' || typeof l.name !== 'string') continue;
    // An input layer makes its own node when it is created.
    calls.set(l.name, l.class_name === 'InputLayer' ? 1 : 0);
    if (!Array.isArray(l.inbound_nodes)) continue;
    for (const node of l.inbound_nodes) if (Array.isArray(node)) pending.push({ layer: l.name, inputs: node });
  }
  const ready = (input: unknown): boolean =>
    Array.isArray(input) && typeof input[0] === 'string' && typeof input[1] === 'number' && (calls.get(input[0]) ?? 0) > input[1];
  for (let progress = true; pending.length > 0 && progress; ) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      if (!p.inputs.every(ready)) continue;
      calls.set(p.layer, (calls.get(p.layer) ?? 0) + 1);
      pending.splice(i--, 1);
      progress = true;
    }
  }
  if (pending.length > 0) {
    const p = pending[0];
    const bad = p.inputs.find((x) => !ready(x));
    const src = Array.isArray(bad) ? bad[0] : bad;
    const why = typeof src === 'string' && calls.has(src) ? `node ${show(Array.isArray(bad) ? bad[1] : bad)} of layer ${show(src)}, which is never computed (a cycle or a missing call)` : `${show(src)}, which is not a layer of the model`;
    throw new ModelError(`${what}: the model's layer graph cannot be built: layer ${show(p.layer)} takes its input from ${why}`);
  }
}

/**
 * Reads and checks a TF.js layers model: `model.json` must parse and hold a topology and a weights
 * manifest; the topology's layer graph must be buildable; every weight entry must be well formed;
 * every weight path must stay inside the model's folder; each weight group's shards must add up to
 * exactly the bytes its weights declare; float32 weights must be finite.
 * @throws {ModelError} naming what is wrong, on one line
 */
export async function readLayersArtifacts(read: FileReader, what: string): Promise<LayersArtifacts> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(await read('model.json')));
  } catch (e) {
    if (e instanceof ModelError) throw e;
    throw new ModelError(`${what}: model.json is not valid JSON (${(e as Error).message})`);
  }
  const mj = json as LayersArtifacts['modelJson'];
  if (!mj || typeof mj !== 'object' || !mj.modelTopology || !Array.isArray(mj.weightsManifest)) {
    throw new ModelError(`${what}: model.json has no modelTopology/weightsManifest (not a TF.js layers model)`);
  }
  checkTopology(mj.modelTopology, what);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [g, group] of mj.weightsManifest.entries()) {
    if (!group || typeof group !== 'object' || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ModelError(`${what}: weight group ${g} is malformed (needs "paths" and "weights" arrays)`);
    }
    const expected = group.weights.reduce((a: number, s: unknown) => a + specBytes(s, what), 0);
    let got = 0;
    for (const p of group.paths as unknown[]) {
      if (typeof p !== 'string') throw new ModelError(`${what}: weight group ${g}: a path is ${show(p)}, not a string`);
      const bytes = await read(safeRelativePath(p, `${what}: weight file`));
      got += bytes.byteLength;
      parts.push(bytes);
    }
    if (got !== expected) {
      throw new ModelError(`${what}: weight group ${g} (${group.paths.map(show).join(', ')}) has ${got} bytes, the manifest declares ${expected}`);
    }
    total += got;
  }
  const weightData = new ArrayBuffer(total);
  const view = new Uint8Array(weightData);
  let o = 0;
  for (const p of parts) {
    view.set(p, o);
    o += p.byteLength;
  }
  // Non-finite weights would silently turn every map into NaN: refuse them here. A DataView,
  // because a float32 weight may follow an odd-sized quantised one (unaligned offset).
  const dv = new DataView(weightData);
  let offset = 0;
  for (const spec of mj.weightsManifest.flatMap((gr) => gr.weights)) {
    const n = specBytes(spec, what);
    if (spec.dtype === 'float32' && !spec.quantization) {
      for (let i = offset; i < offset + n; i += 4) {
        if (!Number.isFinite(dv.getFloat32(i, true))) throw new ModelError(`${what}: weight ${show(spec.name)} contains NaN or Inf`);
      }
    }
    offset += n;
  }
  return { modelJson: mj, weightData };
}
