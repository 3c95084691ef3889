/**
 * PyTorch module paths recovered from ONNX node names, and the layer index built on them.
 *
 * The PyTorch exporter (≥ 1.13) names each node after the module scopes it ran in, e.g.
 * `/layer2/layer2.0/downsample/downsample.0/Conv`: every segment but the last is a scope, and a
 * segment that extends its parent's name (`layer2.0` under `layer2`) is already qualified.
 * A module's output is the output of the last node inside its scope.
 */
import type { OnnxGraph } from './graph.js';

/** One selectable tensor of the graph. */
export interface LayerEntry {
  /** Canonical name: a module path, or the ONNX tensor name when no module ends there. */
  readonly name: string;
  /** Other names selecting it: further module paths, then the tensor name. */
  readonly aliases: readonly string[];
  readonly tensor: string;
  /** Op type of the producing node. */
  readonly kind: string;
  /** Producing node (topological index). */
  readonly node: number;
}

/** Module paths of the scopes in a PyTorch-exported node name, outermost first (`[]` if none). */
export function modulePaths(nodeName: string): string[] {
  if (!nodeName.startsWith('/')) return [];
  const segments = nodeName.split('/').slice(1, -1).filter((s) => s.length > 0);
  const out: string[] = [];
  let prevSeg = '';
  let prevPath = '';
  for (const seg of segments) {
    const path = prevPath && seg.startsWith(`${prevSeg}.`) ? prevPath + seg.slice(prevSeg.length) : prevPath ? `${prevPath}.${seg}` : seg;
    out.push(path);
    prevSeg = seg;
    prevPath = path;
  }
  return out;
}

/**
 * Tensors whose value only depends on shapes (Shape → Gather → Concat chains): they are
 * computed on the CPU and are not layers.
 */
export function shapeDerived(graph: OnnxGraph, plan: readonly number[]): Set<string> {
  const derived = new Set<string>();
  for (const i of plan) {
    const n = graph.nodes[i];
    const fromShape =
      n.opType === 'Shape' ||
      n.opType === 'Size' ||
      n.inputs.every((x) => !x || graph.statics.has(x) || derived.has(x));
    if (fromShape) n.outputs.forEach((o) => o && derived.add(o));
  }
  return derived;
}

/**
 * Every layer of the graph in topological order. A tensor that ends several nested modules
 * takes as canonical name the outermost module that does not start at the model input
 * (`layer4` rather than `layer4.1`; `features.18` rather than the whole `features` trunk).
 */
export function buildLayerIndex(graph: OnnxGraph): LayerEntry[] {
  const plan = graph.fullPlan();
  const derived = shapeDerived(graph, plan);
  const lastNode = new Map<string, number>();
  const firstNode = new Map<string, number>();
  const order: string[] = [];
  for (const i of plan) {
    for (const m of modulePaths(graph.nodes[i].name)) {
      if (!firstNode.has(m)) {
        firstNode.set(m, i);
        order.push(m);
      }
      lastNode.set(m, i);
    }
  }
  const inputNodes = new Set(plan.filter((i) => graph.nodes[i].inputs.includes(graph.inputName)));
  const spansInput = (m: string): boolean => {
    for (const i of inputNodes) if (modulePaths(graph.nodes[i].name).includes(m)) return true;
    return false;
  };
  const modulesOf = new Map<string, string[]>();
  for (const m of order) {
    const t = graph.nodes[lastNode.get(m)!].outputs[0];
    if (!t || derived.has(t)) continue;
    const list = modulesOf.get(t) ?? [];
    list.push(m);
    modulesOf.set(t, list);
  }
  const entries: LayerEntry[] = [];
  for (const i of plan) {
    const n = graph.nodes[i];
    for (const t of n.outputs) {
      if (!t || derived.has(t)) continue;
      const mods = (modulesOf.get(t) ?? []).sort((a, b) => a.split('.').length - b.split('.').length || a.length - b.length);
      let name = t;
      let aliases: string[] = [];
      if (mods.length > 0) {
        name = mods.find((m) => !spansInput(m)) ?? mods[0];
        aliases = [...mods.filter((m) => m !== name), t];
      }
      entries.push({ name, aliases, tensor: t, kind: n.opType, node: i });
    }
  }
  return entries;
}

/**
 * The default layer κ: the output of the last spatial block, i.e. the tensor entering the first
 * global pooling (GlobalAveragePool, GlobalMaxPool, or ReduceMean/ReduceMax over both spatial
 * axes). When the pooling sits inside a classifier module that has its own layers before it
 * (SqueezeNet's `classifier`: conv, ReLU, pool), κ is the tensor entering that module instead.
 * `undefined` when the graph has no such pooling.
 */
export function defaultLayerTensor(graph: OnnxGraph): string | undefined {
  const plan = graph.fullPlan();
  const pool = plan.find((i) => isGlobalPool(graph, i));
  if (pool === undefined) return undefined;
  const t = graph.nodes[pool].inputs[0];
  const top = modulePaths(graph.nodes[pool].name)[0];
  const producer = graph.producer.get(t);
  if (!top || producer === undefined || modulePaths(graph.nodes[producer].name)[0] !== top) return t;
  const first = plan.find((i) => modulePaths(graph.nodes[i].name)[0] === top)!;
  const derived = shapeDerived(graph, plan);
  return graph.nodes[first].inputs.find((x) => x && !graph.statics.has(x) && !derived.has(x)) ?? t;
}

function isGlobalPool(graph: OnnxGraph, i: number): boolean {
  const n = graph.nodes[i];
  if (n.opType === 'GlobalAveragePool' || n.opType === 'GlobalMaxPool') return true;
  if (n.opType !== 'ReduceMean' && n.opType !== 'ReduceMax') return false;
  const axes = n.attrs.get('axes')?.ints ?? (n.inputs[1] ? Array.from(graph.statics.get(n.inputs[1])?.data ?? []) : []);
  const norm = [...axes].map((a) => (a < 0 ? a + 4 : a)).sort();
  return norm.length === 2 && norm[0] === 2 && norm[1] === 3;
}
