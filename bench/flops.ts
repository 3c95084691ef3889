/**
 * FLOPs of a tfjs-layers model at a given input size, from the layer configurations alone: shapes
 * are propagated with each layer's `computeOutputShape`, and convolutions and dense layers count
 * 2 FLOPs per multiply-add (the usual convention: ResNet-50 at 224 ≈ 4.1 G multiply-adds ≈ 8.2 GFLOP).
 * Biases, activations, pooling, additions and normalisation are not counted.
 */
import type * as tfl from '@tensorflow/tfjs-layers';

type Shape = (number | null)[];

/** FLOPs of one layer. */
export interface LayerFlops {
  readonly name: string;
  readonly className: string;
  readonly outputShape: readonly number[];
  readonly flops: number;
}

/** FLOPs of a model at one input size. */
export interface FlopReport {
  /** Total FLOPs (2 × multiply-adds) for one image. */
  readonly total: number;
  /** Per layer, in the model's layer order, only layers that count. */
  readonly layers: readonly LayerFlops[];
}

/* tfjs-layers fields we read; its typings keep them loosely typed. */
interface LayerView {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  computeOutputShape(shape: Shape | Shape[]): Shape | Shape[];
  inboundNodes: { inboundLayers: LayerView[]; tensorIndices: number[] }[];
  batchInputShape?: Shape;
}

function pair(v: unknown): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  throw new Error(`unexpected kernel size ${String(v)}`);
}

function concrete(shape: Shape, what: string): number[] {
  if (shape.some((d) => d === null || !Number.isFinite(d))) throw new Error(`${what}: shape [${shape.join(', ')}] is not fully known`);
  return shape as number[];
}

/** FLOPs of one layer given its input and output shapes (NHWC, batch 1). */
function layerFlops(layer: LayerView, inShape: number[], outShape: number[]): number {
  const cfg = layer.getConfig();
  const cls = layer.getClassName();
  const spatial = (s: number[]) => s.slice(1, -1).reduce((a, b) => a * b, 1);
  switch (cls) {
    case 'Conv2D': {
      const [kh, kw] = pair(cfg.kernelSize);
      const inC = inShape[inShape.length - 1];
      const outC = outShape[outShape.length - 1];
      return 2 * spatial(outShape) * kh * kw * inC * outC;
    }
    case 'DepthwiseConv2D': {
      const [kh, kw] = pair(cfg.kernelSize);
      return 2 * spatial(outShape) * kh * kw * outShape[outShape.length - 1];
    }
    case 'SeparableConv2D': {
      const [kh, kw] = pair(cfg.kernelSize);
      const inC = inShape[inShape.length - 1];
      const mult = Number(cfg.depthMultiplier ?? 1);
      const outC = outShape[outShape.length - 1];
      return 2 * spatial(outShape) * (kh * kw * inC * mult + inC * mult * outC);
    }
    case 'Dense': {
      const rows = inShape.slice(1, -1).reduce((a, b) => a * b, 1);
      return 2 * rows * inShape[inShape.length - 1] * outShape[outShape.length - 1];
    }
    default:
      return 0;
  }
}

/**
 * Counts FLOPs of `model` for one `height × width` image. Works for any functional or sequential
 * model whose layers are each applied once (the usual case for classifiers).
 */
export function countFlops(model: tfl.LayersModel, height: number, width: number): FlopReport {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`input size must be positive integers, got ${height}×${width}`);
  }
  const out = new Map<string, Shape[]>();
  const layers: LayerFlops[] = [];
  let total = 0;
  const inputLayers = new Set(model.inputLayers.map((l) => l.name));
  for (const raw of [...model.inputLayers, ...model.layers] as unknown as LayerView[]) {
    if (out.has(raw.name)) continue;
    if (inputLayers.has(raw.name)) {
      const s = raw.batchInputShape ?? (raw.getConfig().batchInputShape as Shape);
      if (s.length !== 4) throw new Error(`countFlops expects an image input [batch, h, w, c], got [${s.join(', ')}]`);
      out.set(raw.name, [[1, height, width, s[3]]]);
      continue;
    }
    const node = raw.inboundNodes[0];
    if (!node || raw.inboundNodes.length > 1) throw new Error(`layer ${raw.name} is applied ${raw.inboundNodes.length} times; not supported`);
    const ins = node.inboundLayers.map((l, i) => {
      const shapes = out.get(l.name);
      if (!shapes) throw new Error(`layer ${raw.name}: input ${l.name} not seen yet`);
      return shapes[node.tensorIndices[i] ?? 0];
    });
    const res = raw.computeOutputShape(ins.length === 1 ? ins[0] : ins);
    const outs = (Array.isArray(res[0]) || res.length === 0 ? res : [res]) as Shape[];
    out.set(raw.name, outs);
    const outShape = concrete(outs[0], raw.name);
    const flops = layerFlops(raw, concrete(ins[0], raw.name), outShape);
    if (flops > 0) {
      layers.push({ name: raw.name, className: raw.getClassName(), outputShape: outShape, flops });
      total += flops;
    }
  }
  return { total, layers };
}
