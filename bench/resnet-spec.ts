/**
 * The benchmark ResNet as plain data: torchvision's layout (7×7/2 stem, 3×3/2 max-pool, bottleneck
 * blocks with the stride on the 3×3 convolution, global average pooling, a fully connected layer)
 * with batch normalisation folded into each convolution's weights and bias, and seeded random
 * weights. The TF.js builder and the ONNX writer both read this, so both files hold the same network.
 */
import { fillNormal, mulberry32, normalSampler } from './prng.js';

/** One convolution (BN folded in), named by its torchvision module path, e.g. `layer4.2.conv3`. */
export interface ConvSpec {
  readonly name: string;
  readonly kernel: number;
  readonly stride: number;
  /** Symmetric zero padding on each side, as in PyTorch. */
  readonly pad: number;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Followed by a ReLU (the block's last convolution is not: the ReLU comes after the addition). */
  readonly relu: boolean;
  /** `[kernel, kernel, in, out]` (TF.js HWIO), row-major. */
  readonly weight: Float32Array;
  /** `[out]`. */
  readonly bias: Float32Array;
}

/** A bottleneck block `layerS.B`: 1×1 → 3×3 (stride) → 1×1 (×4), plus an optional projection. */
export interface BlockSpec {
  /** Module path, e.g. `layer3.5`. */
  readonly name: string;
  /** Stage number 1..4 and index in the stage. */
  readonly stage: number;
  readonly index: number;
  /** True for the last block of its stage: its output is the stage's output (`layerS`). */
  readonly lastInStage: boolean;
  readonly conv1: ConvSpec;
  readonly conv2: ConvSpec;
  readonly conv3: ConvSpec;
  readonly downsample?: ConvSpec;
}

/** A whole network. */
export interface ResNetSpec {
  readonly stem: ConvSpec;
  readonly blocks: readonly BlockSpec[];
  /** `[features, classes]` row-major, and `[classes]`. */
  readonly fcWeight: Float32Array;
  readonly fcBias: Float32Array;
  readonly features: number;
  readonly classes: number;
  readonly config: Required<ResNetConfig>;
}

/** Shape of the network. Defaults give ResNet-50. */
export interface ResNetConfig {
  /** Blocks per stage (ResNet-50: `[3, 4, 6, 3]`; ResNet-101: `[3, 4, 23, 3]`). */
  blocks?: readonly number[];
  /** Stem width; stage s has bottleneck width `width · 2^(s-1)` and output `4×` that (default 64). */
  width?: number;
  /** Classes of the final layer (default 1000). */
  classes?: number;
  /** PRNG seed (default 50). */
  seed?: number;
  /**
   * Scale of the folded BN "gamma" on the last convolution of each residual branch and on the
   * projection. Below 1 keeps activations from growing block after block, as trained networks'
   * BN statistics do (default 0.2).
   */
  residualScale?: number;
}

/** The torchvision ResNet-50 configuration. */
export const RESNET50: Required<ResNetConfig> = { blocks: [3, 4, 6, 3], width: 64, classes: 1000, seed: 50, residualScale: 0.2 };

/**
 * Builds the spec with He-normal weights (std √(2 / fan-in)) times the folded BN scale, and small
 * random biases (the folded BN shift). Deterministic for a given config.
 */
export function makeResNetSpec(config: ResNetConfig = {}): ResNetSpec {
  const cfg: Required<ResNetConfig> = { ...RESNET50, ...config };
  if (cfg.blocks.length === 0 || cfg.blocks.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new RangeError(`blocks must be positive integers, got [${cfg.blocks.join(', ')}]`);
  }
  for (const [k, v] of [['width', cfg.width], ['classes', cfg.classes]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
  }
  const normal = normalSampler(mulberry32(cfg.seed));
  const conv = (name: string, kernel: number, stride: number, inC: number, outC: number, relu: boolean, gamma = 1): ConvSpec => {
    const fanIn = kernel * kernel * inC;
    return {
      name,
      kernel,
      stride,
      pad: (kernel - 1) >> 1,
      inChannels: inC,
      outChannels: outC,
      relu,
      weight: fillNormal(normal, kernel * kernel * inC * outC, gamma * Math.sqrt(2 / fanIn)),
      bias: fillNormal(normal, outC, 0.01),
    };
  };
  const stem = conv('conv1', 7, 2, 3, cfg.width, true);
  const blocks: BlockSpec[] = [];
  let inC = cfg.width;
  cfg.blocks.forEach((count, s) => {
    const mid = cfg.width * 2 ** s;
    const out = mid * 4;
    for (let b = 0; b < count; b++) {
      const stride = b === 0 && s > 0 ? 2 : 1;
      const name = `layer${s + 1}.${b}`;
      blocks.push({
        name,
        stage: s + 1,
        index: b,
        lastInStage: b === count - 1,
        conv1: conv(`${name}.conv1`, 1, 1, inC, mid, true),
        conv2: conv(`${name}.conv2`, 3, stride, mid, mid, true),
        conv3: conv(`${name}.conv3`, 1, 1, mid, out, false, cfg.residualScale),
        downsample: b === 0 ? conv(`${name}.downsample.0`, 1, stride, inC, out, false, cfg.residualScale) : undefined,
      });
      inC = out;
    }
  });
  return {
    stem,
    blocks,
    fcWeight: fillNormal(normal, inC * cfg.classes, Math.sqrt(1 / inC)),
    fcBias: fillNormal(normal, cfg.classes, 0.01),
    features: inC,
    classes: cfg.classes,
    config: cfg,
  };
}

/** Every convolution of the spec in execution order (stem, then per block conv1..3, projection). */
export function allConvs(spec: ResNetSpec): ConvSpec[] {
  const out = [spec.stem];
  for (const b of spec.blocks) {
    out.push(b.conv1, b.conv2, b.conv3);
    if (b.downsample) out.push(b.downsample);
  }
  return out;
}
