/**
 * An ONNX graph ready to run with TF.js: nodes in topological order, constants folded at load
 * time, weights re-laid out once, and an executor that frees each intermediate tensor as soon
 * as its last consumer has run (so large inputs do not hold the whole network in memory).
 */
import * as tf from '../../core/tf.js';
import { type OnnxNode, nodeLabel, type OpContext, type OpDef } from './node.js';
import { OPS } from './ops/index.js';
import { decodeAttributes, decodeModel, tensorFromProto, toNum } from './proto.js';
import { type ConstValue, constToTensor, plain, tensorToConst, type Value } from './values.js';

/** An error raised by one node, naming it. */
export class OnnxNodeError extends Error {
  constructor(
    readonly node: OnnxNode,
    message: string,
  ) {
    super(`ONNX node ${nodeLabel(node)} (${node.opType}): ${message}`);
    this.name = 'OnnxNodeError';
  }
}

/** The node indices to run for a cut of the graph at one tensor. */
export interface SplitPlan {
  /** Tensor at the cut. */
  readonly tensor: string;
  /** Nodes from the input to the cut tensor and the context tensors. */
  readonly head: readonly number[];
  /** Nodes from the cut tensor to the output. */
  readonly tail: readonly number[];
  /** Tensors computed before the cut that the tail also reads (skip connections). */
  readonly context: readonly string[];
}

function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

type GraphProto = NonNullable<ReturnType<typeof decodeModel>['graph']>;
type NodeProto = NonNullable<GraphProto['node']>[number];

/** The single image input (logical NCHW dims, `null` where symbolic) and the first output. */
function imageIo(graph: GraphProto, statics: ReadonlyMap<string, ConstValue>): { inputName: string; inputDims: (number | null)[]; outputName: string } {
  const realInputs = (graph.input ?? []).filter((i) => !statics.has(i.name ?? ''));
  if (realInputs.length !== 1) {
    throw new Error(`the ONNX graph has ${realInputs.length} inputs (${realInputs.map((i) => i.name).join(', ')}): only single-input image classifiers are supported`);
  }
  const inputName = realInputs[0].name ?? '';
  const dims = realInputs[0].type?.tensorType?.shape?.dim ?? [];
  const inputDims = dims.map((d) => (d.dimValue !== undefined && d.dimValue !== null && toNum(d.dimValue) > 0 ? toNum(d.dimValue) : null));
  if (inputDims.length !== 4) throw new Error(`the ONNX input "${inputName}" has rank ${inputDims.length}: expected an NCHW image tensor`);
  if ((graph.output ?? []).length < 1) throw new Error('the ONNX graph has no output');
  return { inputName, inputDims, outputName: graph.output![0].name ?? '' };
}

/**
 * The nodes in topological order, stable with respect to the file (exporters append shared Identity
 * nodes at the end), with decoded attributes; throws on a cycle.
 */
function sortedNodes(protos: readonly NodeProto[]): OnnxNode[] {
  const producedBy = new Map<string, number>();
  protos.forEach((proto, i) => (proto.output ?? []).forEach((o) => o && producedBy.set(o, i)));
  const order: number[] = [];
  const state = new Uint8Array(protos.length);
  const visit = (start: number): void => {
    const stack: [number, number][] = [[start, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [i, k] = top;
      if (k === 0) {
        if (state[i] === 2) {
          stack.pop();
          continue;
        }
        state[i] = 1;
      }
      const ins = protos[i].input ?? [];
      if (k < ins.length) {
        top[1]++;
        const p = producedBy.get(ins[k]);
        if (p !== undefined && state[p] === 0) stack.push([p, 0]);
        else if (p !== undefined && state[p] === 1) throw new Error(`the ONNX graph has a cycle through "${ins[k]}"`);
        continue;
      }
      state[i] = 2;
      order.push(i);
      stack.pop();
    }
  };
  for (let i = 0; i < protos.length; i++) if (state[i] === 0) visit(i);
  return order.map((src, index) => {
    const p = protos[src];
    const name = p.name ?? '';
    return {
      name,
      opType: p.opType ?? '',
      domain: p.domain ?? '',
      inputs: [...(p.input ?? [])],
      outputs: [...(p.output ?? [])],
      attrs: decodeAttributes(p.attribute ?? [], name),
      index,
    };
  });
}

/** Refuses a model whose output needs an op this importer does not implement, naming op and node. */
function checkOps(nodes: readonly OnnxNode[], needed: readonly number[]): void {
  for (const i of needed) {
    const n = nodes[i];
    if (!isDefaultDomain(n.domain) || !(n.opType in OPS)) {
      const op = isDefaultDomain(n.domain) ? n.opType : `${n.domain}.${n.opType}`;
      throw new Error(`unsupported ONNX op "${op}" in node ${nodeLabel(n)}`);
    }
  }
}

/** A loaded ONNX graph. Owns TF.js tensors: call {@link OnnxGraph.dispose}. */
export class OnnxGraph {
  /** Nodes in topological order (`index` is the position here). */
  readonly nodes: readonly OnnxNode[];
  /** Default-domain opset. */
  readonly opset: number;
  readonly inputName: string;
  /** Logical (NCHW) input dims, `null` where symbolic. */
  readonly inputDims: readonly (number | null)[];
  readonly outputName: string;
  /** Producer node index of every computed tensor. */
  readonly producer: ReadonlyMap<string, number>;
  /** Initializers and everything folded from them. */
  readonly statics: ReadonlyMap<string, ConstValue>;
  /** Nodes whose outputs are all static (folded at load time). */
  readonly folded: ReadonlySet<number>;
  private readonly staticTensors = new Map<string, tf.Tensor>();
  private readonly prepared = new Map<number, unknown>();
  private readonly persistent = new Set<tf.Tensor>();
  private readonly ctx: OpContext;
  private disposed = false;
  private full?: number[];

  /** Nodes whose weights are in TF.js tensors (all of them unless weights are lazy). */
  private readonly materialized = new Set<number>();

  /**
   * Parses and prepares a model; throws on unsupported ops (naming op and node). With
   * `lazyWeights`, a node's weights become TF.js tensors only when it first runs: a caller that
   * runs the part before the cut elsewhere (onnxruntime) never holds those weights twice.
   */
  constructor(bytes: Uint8Array, options: { lazyWeights?: boolean } = {}) {
    const model = decodeModel(bytes);
    const graph = model.graph!;
    const opsetEntry = (model.opsetImport ?? []).find((o) => isDefaultDomain(o.domain ?? ''));
    this.opset = opsetEntry ? toNum(opsetEntry.version) : 1;
    this.ctx = { opset: this.opset };

    const statics = new Map<string, ConstValue>();
    for (const init of graph.initializer ?? []) statics.set(init.name ?? '', tensorFromProto(init));
    ({ inputName: this.inputName, inputDims: this.inputDims, outputName: this.outputName } = imageIo(graph, statics));
    this.nodes = sortedNodes(graph.node ?? []);
    const producer = new Map<string, number>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) producer.set(o, n.index);
    this.producer = producer;
    this.statics = statics;

    const needed = this.ancestors([this.outputName], new Set());
    checkOps(this.nodes, needed);
    this.folded = this.foldConstants(needed, statics);

    if (options.lazyWeights) return;
    try {
      for (const i of needed) this.materialize(i);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** Evaluates every node computable from initializers alone, adding its outputs to `statics`. */
  private foldConstants(needed: readonly number[], statics: Map<string, ConstValue>): Set<number> {
    const folded = new Set<number>();
    for (const i of needed) {
      const n = this.nodes[i];
      if (n.inputs.every((name) => !name || statics.has(name))) {
        const outs = this.evalConst(n, n.inputs.map((name) => (name ? statics.get(name) : undefined)));
        n.outputs.forEach((o, k) => o && outs[k] && statics.set(o, outs[k]));
        folded.add(i);
      }
    }
    return folded;
  }

  /** Creates the TF.js weights of `nodes` now (with lazy weights), e.g. a tail about to be used. */
  materializeNodes(nodes: readonly number[]): void {
    for (const i of nodes) this.materialize(i);
  }

  /** Node `i`'s weights in TF.js layout, and tensors for constants it uses as plain operands. */
  private materialize(i: number): void {
    if (this.materialized.has(i) || this.folded.has(i)) return;
    this.materialized.add(i);
    const keep = <T extends tf.Tensor>(t: T): T => {
      tf.keep(t);
      this.persistent.add(t);
      return t;
    };
    const n = this.nodes[i];
    const op = OPS[n.opType];
    const constIns = n.inputs.map((name) => (name ? this.statics.get(name) : undefined));
    if (op.prepare) {
      try {
        const p = tf.tidy(() => op.prepare!(n, constIns, keep) as tf.TensorContainer);
        if (p !== undefined) this.prepared.set(i, p);
      } catch (e) {
        this.materialized.delete(i);
        throw this.wrap(n, e);
      }
    }
    n.inputs.forEach((name, k) => {
      const c = constIns[k];
      if (!c || op.constInputs?.includes(k) || this.staticTensors.has(name)) return;
      this.staticTensors.set(name, keep(constToTensor(c)));
    });
  }

  /** Node indices needed to compute `targets`, stopping at `available` tensors, in topological order. */
  ancestors(targets: readonly string[], available: ReadonlySet<string>): number[] {
    const seen = new Set<number>();
    const stack = [...targets];
    while (stack.length) {
      const name = stack.pop()!;
      if (!name || available.has(name) || name === this.inputName || this.statics?.has(name)) continue;
      const p = this.producer.get(name);
      if (p === undefined) throw new Error(`ONNX tensor "${name}" is neither produced by a node nor an input or initializer`);
      if (seen.has(p)) continue;
      seen.add(p);
      stack.push(...this.nodes[p].inputs);
    }
    return [...seen].sort((a, b) => a - b);
  }

  /** Nodes computing the model output from the input. */
  fullPlan(): readonly number[] {
    this.full ??= this.ancestors([this.outputName], new Set());
    return this.full;
  }

  /** Cuts the graph at a tensor: which nodes run before it, after it, and what crosses the cut. */
  splitPlan(tensor: string): SplitPlan {
    if (tensor === this.inputName) throw new Error(`cannot cut at the model input "${tensor}"`);
    if (this.statics.has(tensor)) throw new Error(`"${tensor}" is a constant, not a layer`);
    if (!this.producer.has(tensor)) throw new Error(`no ONNX tensor named "${tensor}"`);
    const full = this.fullPlan();
    const dependent = new Set<string>([tensor]);
    const tail: number[] = [];
    for (const i of full) {
      const n = this.nodes[i];
      if (n.inputs.some((x) => dependent.has(x))) {
        tail.push(i);
        n.outputs.forEach((o) => o && dependent.add(o));
      }
    }
    if (!dependent.has(this.outputName) || tail.length === 0) {
      throw new Error(`tensor "${tensor}" does not feed the model output "${this.outputName}"`);
    }
    const context: string[] = [];
    for (const i of tail) {
      for (const x of this.nodes[i].inputs) {
        if (!x || dependent.has(x) || this.statics.has(x) || context.includes(x)) continue;
        context.push(x);
      }
    }
    const head = this.ancestors([tensor, ...context], new Set());
    return { tensor, head, tail, context };
  }

  /**
   * Runs the given nodes. `feeds` are never disposed; the returned values belong to the caller.
   * Every other intermediate tensor is disposed after its last use.
   */
  execute(plan: readonly number[], feeds: ReadonlyMap<string, Value>, outputs: readonly string[]): Value[] {
    if (this.disposed) throw new Error('the ONNX model has been disposed');
    const env = new Map<string, Value>();
    const uses = new Map<string, number>();
    for (const i of plan) for (const x of this.nodes[i].inputs) if (x) uses.set(x, (uses.get(x) ?? 0) + 1);
    for (const o of outputs) uses.set(o, (uses.get(o) ?? 0) + 1);
    // Weights materialised during this run (lazy weights) are protected as well.
    const fed = new Set<tf.Tensor>();
    for (const v of feeds.values()) if (v.kind === 'tensor') fed.add(v.t);
    const protectedTensors = { has: (t: tf.Tensor) => fed.has(t) || this.persistent.has(t) };
    const holders = new Map<tf.Tensor, number>();
    const set = (name: string, v: Value): void => {
      env.set(name, v);
      if (v.kind === 'tensor') holders.set(v.t, (holders.get(v.t) ?? 0) + 1);
    };
    const release = (name: string): void => {
      const v = env.get(name);
      if (!v) return;
      env.delete(name);
      if (v.kind !== 'tensor') return;
      const n = (holders.get(v.t) ?? 1) - 1;
      holders.set(v.t, n);
      if (n === 0 && !protectedTensors.has(v.t)) v.t.dispose();
    };
    for (const [k, v] of feeds) set(k, v);
    try {
      for (const i of plan) {
        const node = this.nodes[i];
        const inputs = node.inputs.map((x) => (x ? this.lookup(x, env, node) : undefined));
        const outs = this.runNode(node, inputs);
        node.outputs.forEach((o, k) => {
          const v = outs[k];
          if (o && v) set(o, v);
          else if (v && v.kind === 'tensor' && !holders.get(v.t) && !protectedTensors.has(v.t) && !outs.some((w, j) => j !== k && w?.kind === 'tensor' && w.t === v.t)) v.t.dispose();
        });
        for (const x of node.inputs) {
          if (!x || !env.has(x) || feeds.has(x)) continue;
          const u = (uses.get(x) ?? 1) - 1;
          uses.set(x, u);
          if (u === 0) release(x);
        }
        for (const o of node.outputs) if (o && !uses.get(o)) release(o);
      }
      return outputs.map((o) => {
        const v = env.get(o) ?? this.statics.get(o);
        if (!v) throw new Error(`ONNX tensor "${o}" was not computed`);
        if (v.kind === 'tensor' && protectedTensors.has(v.t)) return { ...v, t: v.t.clone() };
        return v;
      });
    } catch (e) {
      for (const k of [...env.keys()]) if (!feeds.has(k)) release(k);
      throw e;
    }
  }

  private lookup(name: string, env: ReadonlyMap<string, Value>, node: OnnxNode): Value {
    const v = env.get(name) ?? this.statics.get(name);
    if (!v) throw new OnnxNodeError(node, `input "${name}" is not available`);
    return v;
  }

  private wrap(node: OnnxNode, e: unknown): Error {
    if (e instanceof OnnxNodeError) return e;
    return new OnnxNodeError(node, e instanceof Error ? e.message : String(e));
  }

  /** Runs one node: on the CPU when every input is a constant, with TF.js otherwise. */
  private runNode(node: OnnxNode, inputs: readonly (Value | undefined)[]): Value[] {
    if (inputs.every((v) => v === undefined || v.kind === 'const')) {
      return this.evalConst(node, inputs as (ConstValue | undefined)[]);
    }
    this.materialize(node.index);
    const op = OPS[node.opType];
    let result: Value[] = [];
    try {
      tf.tidy(() => {
        const args = inputs.map((v, k) => {
          if (!v || v.kind === 'tensor' || op.constInputs?.includes(k)) return v;
          const pre = this.staticTensors.get(node.inputs[k]);
          return plain(pre ?? constToTensor(v));
        });
        result = op.run(node, args, this.prepared.get(node.index), this.ctx);
        return result.flatMap((v) => (v.kind === 'tensor' ? [v.t] : []));
      });
    } catch (e) {
      throw this.wrap(node, e);
    }
    return result;
  }

  /** Constant evaluation: the op's CPU form, else its TF.js form on temporary tensors. */
  private evalConst(node: OnnxNode, inputs: readonly (ConstValue | undefined)[]): ConstValue[] {
    const op: OpDef = OPS[node.opType];
    try {
      const cpu = op.cpu?.(node, inputs, this.ctx);
      if (cpu) return cpu;
      let out: ConstValue[] = [];
      tf.tidy(() => {
        const args = inputs.map((c, k) => (!c || op.constInputs?.includes(k) ? c : plain(constToTensor(c))));
        out = op.run(node, args, undefined, this.ctx).map((v) => (v.kind === 'const' ? v : tensorToConst(v)));
      });
      return out;
    } catch (e) {
      throw this.wrap(node, e);
    }
  }

  /** Releases every tensor the graph holds. */
  dispose(): void {
    for (const t of this.persistent) t.dispose();
    this.persistent.clear();
    this.staticTensors.clear();
    this.prepared.clear();
    this.disposed = true;
  }
}
