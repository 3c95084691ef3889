import { ModelError } from '../models/safe-path.js';
import type { ModelManifest } from '../models/manifest.js';

// The factory is the library's one (`models/build-adapter.ts`), shared with Node; the browser
// passes no hooks (no onnxruntime here: ONNX runs entirely in TF.js).
export { buildAdapter, formatOfName, type ModelDescription, type ModelFormat } from '../models/build-adapter.js';

/** Reads the parts of a `cameras.json` the browser uses; throws a readable error on bad JSON. */
export function parseCamerasJson(bytes: Uint8Array, what: string): Partial<ModelManifest> {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Partial<ModelManifest>;
  } catch (e) {
    throw new ModelError(`${what}: cameras.json is not valid (${(e as Error).message})`);
  }
}
