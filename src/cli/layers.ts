import type { Command } from 'commander';
import { modelFromOptions, startBackend, type ModelCliOptions } from './common.js';

/** `cameras layers MODEL`: the layers a map can be computed at, with their shapes. */
export function registerLayers(program: Command): void {
  program
    .command('layers')
    .description('list the layers of a model that can be explained, with output shapes at the native size')
    .argument('<model>', 'zoo name, model folder, model.json, .onnx or .tflite')
    .option('--all', 'include non-spatial layers')
    .option('--aliases', 'also list the other names of each layer (e.g. the tensors a TFLite file fused into it)')
    .option('--json', 'print JSON (aliases included)')
    .option('--backend <name>', 'TF.js backend', 'auto')
    .action(async (model: string, o: { all?: boolean; aliases?: boolean; json?: boolean; backend?: string }) => {
      await startBackend(o);
      const m = await modelFromOptions({ model, engine: 'tfjs' } as ModelCliOptions);
      try {
        const layers = m.listLayers().filter((l) => o.all || l.spatial);
        const def = m.defaultLayer();
        if (o.json) {
          process.stdout.write(`${JSON.stringify({ model: m.name, inputSize: m.inputSize, default: def, layers })}\n`);
          return;
        }
        const shape = (s: readonly (number | null)[]) => `[${s.map((d) => d ?? '?').join(', ')}]`;
        const width = Math.max(...layers.map((l) => l.name.length), 5);
        process.stdout.write(`${m.name} (native input ${m.inputSize}×${m.inputSize}; shapes NHWC)\n`);
        for (const l of layers) {
          // Fused TFLite layers carry every tensor name they absorbed: hundreds of characters per line.
          const alias = o.aliases && l.aliases?.length ? `  = ${l.aliases.join(', ')}` : '';
          process.stdout.write(`${l.name === def ? '*' : ' '} ${l.name.padEnd(width)}  ${l.kind.padEnd(22)} ${shape(l.shape)}${alias}\n`);
        }
        process.stdout.write(`* default layer κ: ${def}\n`);
      } finally {
        m.dispose();
      }
    });
}
