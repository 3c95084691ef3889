import type * as tf from '../core/tf.js';
import { ModelError, safeRelativePath } from './safe-path.js';
import type { LayersArtifacts } from './layers-adapter.js';

/** Reads a file of the model's folder by its relative path. */
export type FileReader = (relativePath: string) => Promise<Uint8Array>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1, int8: 1, int16: 2 };

function specBytes(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const per = BYTES[dtype];
  if (!per) throw new ModelError(`weight "${spec.name}": unsupported dtype ${dtype}`);
  if (!spec.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ModelError(`weight "${spec.name}": invalid shape [${spec.shape.join(', ')}]`);
  return n * per;
}

/**
 * Reads and checks a TF.js layers model: `model.json` must parse and hold a topology and a weights
 * manifest; every weight path must stay inside the model's folder; each weight group's shards must
 * add up to exactly the bytes its weights declare; float32 weights must be finite.
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
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [g, group] of mj.weightsManifest.entries()) {
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new ModelError(`${what}: weight group ${g} is malformed`);
    const expected = group.weights.reduce((a, s) => a + specBytes(s), 0);
    let got = 0;
    for (const p of group.paths) {
      const bytes = await read(safeRelativePath(p, `${what}: weight file`));
      got += bytes.byteLength;
      parts.push(bytes);
    }
    if (got !== expected) {
      throw new ModelError(`${what}: weight group ${g} (${group.paths.join(', ')}) has ${got} bytes, the manifest declares ${expected}`);
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
  // Non-finite weights would silently turn every map into NaN: refuse them here.
  let offset = 0;
  for (const spec of mj.weightsManifest.flatMap((gr) => gr.weights)) {
    const n = specBytes(spec);
    if (spec.dtype === 'float32' && !spec.quantization) {
      const f = new Float32Array(weightData, offset, n / 4);
      for (let i = 0; i < f.length; i++) {
        if (!Number.isFinite(f[i])) throw new ModelError(`${what}: weight "${spec.name}" contains NaN or Inf`);
      }
    }
    offset += n;
  }
  return { modelJson: mj, weightData };
}
