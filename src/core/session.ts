import * as tf from './tf.js';
import type { ModelAdapter, SplitModel } from './types.js';
import type { SaliencyResult } from './method.js';
import { probeLayer, type LayerProbe } from './probe.js';
import type { AcceptPolicy } from './accept.js';
import { BaseSession, type ExplainInput, type SessionOptions } from './base-session.js';

export type { ExplainInput, SessionOptions } from './base-session.js';

/** One forward/backward pass of the session at one size. */
export interface ScalePass extends LayerProbe {
  readonly size: number;
  readonly shape: readonly [number, number];
}

/**
 * The session of layer-based methods: the base session plus the cut at κ and a forward/backward
 * pass at any size. A method only decides which passes to run and how to combine activations and
 * gradients.
 */
export class ExplainSession extends BaseSession {
  readonly split: SplitModel;
  private basePass!: ScalePass;
  private targetIndex!: number;

  private constructor(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number) {
    super(model, input, options, totalPasses);
    try {
      this.split = model.split(options.layer ?? model.defaultLayer());
    } catch (e) {
      this.input.dispose();
      throw e;
    }
  }

  /**
   * Opens a session: runs the base size, fixes the target class and keeps that pass for reuse.
   * `totalPasses` is only used for progress reports.
   */
  static async open(model: ModelAdapter, input: ExplainInput, options: SessionOptions, totalPasses: number): Promise<ExplainSession> {
    const s = new ExplainSession(model, input, options, totalPasses);
    try {
      const shape = s.shapeAt(s.baseSize);
      const x = s.resized(shape);
      let base: LayerProbe;
      try {
        base = await probeLayer(s.split, x, BaseSession.chooseTarget(options.target, model.labels));
      } finally {
        x.dispose();
      }
      s.basePass = { ...base, size: s.baseSize, shape };
      s.targetIndex = base.target;
      s.setReference(base.logits, base.target);
      s.progress(`size ${s.baseSize} (reference)`);
      return s;
    } catch (e) {
      s.dispose();
      throw e;
    }
  }

  /**
   * Forward and backward at one size. The base size's pass is computed once and shared: do not
   * dispose it (the session does); dispose any other pass you are given.
   */
  async pass(size: number): Promise<ScalePass> {
    if (size === this.baseSize) return this.basePass;
    const shape = this.shapeAt(size);
    const x = this.resized(shape);
    try {
      const probe = await probeLayer(this.split, x, this.targetIndex);
      // Sizes read width×height everywhere users see them; `shape` is [height, width].
      this.progress(`size ${size} (${shape[1]}×${shape[0]})`);
      return { ...probe, size, shape };
    } finally {
      x.dispose();
    }
  }

  /** Releases a pass unless it is the shared base pass. */
  release(p: ScalePass): void {
    if (p !== this.basePass) tf.dispose([p.activation, p.gradient]);
  }

  /** Builds the result from a raw map tensor `[H, W]` (ReLU applied here) and disposes it. */
  finish(
    method: string,
    raw: tf.Tensor2D,
    sizesUsed: readonly number[],
    sizesRejected: readonly number[] = [],
    extra: { accept?: AcceptPolicy; warnings?: readonly string[] } = {},
  ): Promise<SaliencyResult> {
    return this.result(method, raw, { layer: this.split.layer, sizesUsed, sizesRejected, ...extra });
  }

  /** Releases everything the session holds. */
  override dispose(): void {
    super.dispose();
    this.split.dispose();
    if (this.basePass) tf.dispose([this.basePass.activation, this.basePass.gradient]);
  }
}

/** Runs `body` in a fresh session and always disposes it: the helper every layer method uses. */
export async function withSession<T>(
  model: ModelAdapter,
  input: ExplainInput,
  options: SessionOptions,
  totalPasses: number,
  body: (s: ExplainSession) => Promise<T>,
): Promise<T> {
  const s = await ExplainSession.open(model, input, options, totalPasses);
  try {
    return await body(s);
  } finally {
    s.dispose();
  }
}
