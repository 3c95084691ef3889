import * as path from 'node:path';
import type { Command } from 'commander';
import { generateScene, scenesToCoco, SCENE_LABELS, type Scene } from '../scenes/index.js';
import { encodePng } from '../node/image-io.js';
import { writeFileAtomic } from '../node/atomic-write.js';
import { intOption, note } from './common.js';
import { prepareOutDir, refuseExisting } from './outputs.js';

interface ScenesCliOptions {
  n: string;
  seed: string;
  width: string;
  height?: string;
  objects: string;
  out: string;
  quiet?: boolean;
  overwrite?: boolean;
}

/**
 * `cameras scenes`: writes generated scenes as PNG files plus `annotations.json`, a COCO-format
 * file with every object's exact mask, so any `cameras eval` command can use them.
 */
export function registerScenes(program: Command): void {
  program
    .command('scenes')
    .description('write procedurally generated scenes (PNG) and their exact object masks (COCO JSON)')
    .option('--n <count>', 'number of scenes', '10')
    .option('--seed <seed>', 'seed of the first scene (scene i uses seed + i)', '1000000')
    .option('--width <px>', 'image width', '224')
    .option('--height <px>', 'image height (default: the width)')
    .option('--objects <k>', 'class objects per scene (1 for classification, 2–6 for pointing)', '1')
    .option('-o, --out <dir>', 'output folder', 'scenes')
    .option('--overwrite', 'replace files that already exist in --out (default: refuse before writing)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: ScenesCliOptions) => {
      const n = intOption(o.n, '--n')!;
      const seed = intOption(o.seed, '--seed', 0)!;
      const width = intOption(o.width, '--width', 16)!;
      const height = intOption(o.height ?? o.width, '--height', 16)!;
      const objects = intOption(o.objects, '--objects')!;
      // annotations.json must describe exactly the scenes in the folder: never mix two runs unasked.
      const names = [...Array.from({ length: n }, (_, i) => `scene-${seed + i}.png`), 'annotations.json', 'labels.json'];
      refuseExisting(names.map((f) => path.join(o.out, f)), o.overwrite);
      prepareOutDir(o.out);
      const written: { scene: Scene; fileName: string }[] = [];
      for (let i = 0; i < n; i++) {
        const scene = generateScene(seed + i, { width, height, numObjects: objects });
        const fileName = `scene-${seed + i}.png`;
        await writeFileAtomic(path.join(o.out, fileName), await encodePng(scene.image));
        written.push({ scene, fileName });
        if (!o.quiet && (i + 1) % 50 === 0) note(`scenes: ${i + 1}/${n}`);
      }
      await writeFileAtomic(path.join(o.out, 'annotations.json'), JSON.stringify(scenesToCoco(written)));
      await writeFileAtomic(path.join(o.out, 'labels.json'), `${JSON.stringify(SCENE_LABELS)}\n`);
      if (!o.quiet) note(`wrote ${n} scenes, annotations.json and labels.json to ${o.out}`);
    });
}
