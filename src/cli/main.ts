import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerExplain } from './explain.js';
import { registerLayers } from './layers.js';
import { registerEval } from './eval/command.js';
import { registerSanity } from './sanity.js';
import { registerAttack } from './attack.js';
import { registerCompare } from './compare.js';
import { registerScenes } from './scenes.js';
import { CliError, oneLine } from './common.js';
import { ZOO } from '../models/manifest.js';

// package.json is two folders up both from src/cli (sources) and from dist/cli (the package).
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command();
program
  .name('cameras')
  .description('High-resolution, sanity-preserving saliency maps (CAMERAS, CVPR 2021) and baselines')
  .version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

registerExplain(program);
registerLayers(program);
registerEval(program);
registerSanity(program);
registerAttack(program);
registerCompare(program);
registerScenes(program);
program
  .command('models')
  .description('list the model zoo')
  .action(() => {
    process.stdout.write(`scenes  (embedded; shapes on textured scenes, 10 classes)\n`);
    for (const m of Object.values(ZOO)) process.stdout.write(`${m.name}  (${m.format}, ${m.inputSize}px, ${m.source ?? ''})\n`);
  });

const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    if (verbose) console.error(e);
    process.stderr.write(`cameras: ${oneLine(e)}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  }
}
// A WebAssembly backend with worker threads can keep Node alive after the work is done: once the
// command has finished and set the exit code, leave even if something still holds the event loop.
// The timer itself does not keep the process alive.
setTimeout(() => process.exit(), 2000).unref();
