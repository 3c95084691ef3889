import * as path from 'node:path';
import type { Command } from 'commander';
import { METHODS } from '../../methods/index.js';
import type { SaliencyMethod } from '../../methods/types.js';
import { benchmarkScenes, SCENE_BENCHMARK_SEED } from '../../scenes/index.js';
import { makeSummary, SCALE_COLUMNS, summaryJson, summaryMarkdown } from '../../metrics/summary.js';
import { writeFileAtomic } from '../../node/atomic-write.js';
import { Progress } from '../../node/progress.js';
import { CliError, acceptOption, intOption, modelFromOptions, parseMethodOptions, parseMethods, sizesOption, startBackend, type ModelCliOptions } from '../common.js';
import { checkOutDir, prepareOutDir, refuseExisting } from '../outputs.js';

interface EvalScenesOptions extends ModelCliOptions {
  n: string;
  seed: string;
  width: string;
  height?: string;
  objects: string;
  methods: string;
  sizes?: string;
  accept: string;
  methodOptions?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
  overwrite?: boolean;
}

/** `cameras eval scenes`: pointing game and mask energy against the exact masks of generated scenes. */
export function registerEvalScenes(ev: Command): void {
  ev.command('scenes')
    .description('pointing game and mask energy on generated scenes with exact object masks (default model: the embedded one)')
    .option('-m, --model <name|path>', 'model', 'scenes')
    .option('--methods <list>', 'methods to compare', 'cameras,gradcam')
    .option('--n <count>', 'number of held-out scenes', '200')
    .option('--seed <seed>', 'seed of the first scene', String(SCENE_BENCHMARK_SEED))
    .option('--width <px>', 'scene width', '224')
    .option('--height <px>', 'scene height (default: the width)')
    .option('--objects <k>', 'class objects per scene', '1')
    .option('--sizes <list>', 'CAMERAS sizes (default: the authors\' 8 sizes)')
    .option('--accept <policy>', 'CAMERAS: which sizes enter the map: prediction (default), target, top:K or all', 'prediction')
    .option('--method-options <json>', 'per-method options, e.g. \'{"rise":{"n":256}}\'')
    .option('--backend <name>', 'TF.js backend', 'auto')
    .option('-o, --out <dir>', 'also write summary.json and summary.md here')
    .option('--overwrite', 'replace summary.json and summary.md in --out if they exist (default: refuse)')
    .option('--json', 'end stdout with one JSON summary line')
    .option('-q, --quiet', 'no progress bar')
    .option('-v, --verbose', 'stack traces on errors')
    .action(async (o: EvalScenesOptions) => {
      const names = parseMethods(o.methods);
      const perMethod = o.methodOptions ? (parseMethodOptions(o.methodOptions) as Record<string, Record<string, unknown>>) : {};
      const n = intOption(o.n, '--n')!;
      const width = intOption(o.width, '--width', 16)!;
      const height = intOption(o.height ?? o.width, '--height', 16)!;
      const sizes = sizesOption(o.sizes);
      const accept = acceptOption(o.accept, true);
      const outFiles = o.out ? [path.join(o.out, 'summary.json'), path.join(o.out, 'summary.md')] : [];
      if (o.out) checkOutDir(o.out);
      refuseExisting(outFiles, o.overwrite);
      await startBackend(o);
      const model = await modelFromOptions(o);
      const methods: Record<string, SaliencyMethod> = Object.fromEntries(names.map((m) => [m, METHODS[m]]));
      const bar = o.quiet ? undefined : new Progress(n, { label: `eval scenes ${names.join(',')}` });
      let results;
      try {
        results = await benchmarkScenes(model, methods, {
          n,
          firstSeed: intOption(o.seed, '--seed', 0),
          width,
          height,
          objects: intOption(o.objects, '--objects'),
          options: { ...(sizes ? { sizes } : {}), accept },
          perMethod,
          onScene: () => bar?.tick(),
        });
      } catch (e) {
        throw new CliError((e as Error).message);
      } finally {
        bar?.finish();
        model.dispose();
      }
      const summary = makeSummary(
        'scenes',
        model.name,
        n,
        Object.fromEntries(
          Object.entries(results).map(([m, r]) => [
            m,
            {
              pointingGame: r.pointingGame,
              maskEnergy: r.maskEnergy,
              ...(r.sizesUsedMean !== undefined ? { sizesUsedMean: r.sizesUsedMean, singleScale: r.singleScale ?? 0 } : {}),
            },
          ]),
        ),
        {
          ci: Object.fromEntries(Object.entries(results).map(([m, r]) => [m, r.ci])),
          n: Object.fromEntries(Object.entries(results).map(([m, r]) => [m, { pointingGame: r.pairs, maskEnergy: r.pairs }])),
        },
      );
      const columns = [
        { key: 'pointingGame', title: 'Pointing game (%)', scale: 100, digits: 1 },
        { key: 'maskEnergy', title: 'Mask energy (%)', scale: 100, digits: 1 },
        ...(Object.values(summary.results).some((r) => 'sizesUsedMean' in r) ? SCALE_COLUMNS : []),
      ];
      const md = summaryMarkdown(summary, columns);
      process.stderr.write(`${md}\n`);
      if (o.out) {
        prepareOutDir(o.out);
        await writeFileAtomic(outFiles[0]!, `${summaryJson(summary)}\n`);
        await writeFileAtomic(outFiles[1]!, `${md}\n`);
      }
      if (o.json) process.stdout.write(`${summaryJson(summary)}\n`);
    });
}
