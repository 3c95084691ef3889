import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../vitest.config.js';

/** The root config, run on the benchmark's own unit tests: `npx vitest run --config bench/vitest.config.ts`. */
const merged = mergeConfig(root, defineConfig({ root: fileURLToPath(new URL('..', import.meta.url)) }));
merged.test = { ...merged.test, include: ['bench/**/*.test.ts'] };
export default merged;
