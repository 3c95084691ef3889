/**
 * Vite config of the browser app (`npm run web`). The page is static; in dev and preview the server
 * also maps `/mirror/*` to the model mirror (`$CAMERAS_MODEL_MIRROR`, default `../shared/models`:
 * read in place, never copied) and `/embedded/*` to the package's `models/` folder (the embedded
 * `scenes` model), so the zoo works offline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defineConfig, type Plugin } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const mirrorSetting = process.env.CAMERAS_MODEL_MIRROR || '../shared/models';
const mirrorIsUrl = /^https?:\/\//i.test(mirrorSetting);
const mirrorDir = mirrorIsUrl ? undefined : path.resolve(repo, mirrorSetting);
/** The package's embedded models; overridable for testing the page against another folder. */
const embeddedDir = path.resolve(repo, process.env.CAMERAS_EMBEDDED_MODELS || 'models');

const TYPES: Record<string, string> = { '.json': 'application/json', '.txt': 'text/plain; charset=utf-8' };

type Next = (err?: unknown) => void;

/** Serves files under `dir` at `prefix`, GET/HEAD only, refusing paths that leave `dir`. */
function serveFolder(prefix: string, dir: string | undefined, redirectBase?: string) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = req.url ?? '';
    if (!url.startsWith(prefix)) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.end();
      return;
    }
    const rel = decodeURIComponent(url.slice(prefix.length).replace(/[?#].*$/, ''));
    if (redirectBase) {
      res.statusCode = 302;
      res.setHeader('Location', new URL(rel, redirectBase.endsWith('/') ? redirectBase : `${redirectBase}/`).toString());
      res.end();
      return;
    }
    const file = dir ? path.resolve(dir, rel) : undefined;
    if (!file || !dir || (file !== dir && !file.startsWith(dir + path.sep)) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`not found: ${prefix}${rel}`);
      return;
    }
    res.setHeader('Content-Type', TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(fs.statSync(file).size));
    res.setHeader('Cache-Control', 'no-cache');
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).pipe(res);
  };
}

function modelFolders(): Plugin {
  const install = (use: (fn: (req: IncomingMessage, res: ServerResponse, next: Next) => void) => void): void => {
    use(serveFolder('/mirror/', mirrorDir, mirrorIsUrl ? mirrorSetting : undefined));
    use(serveFolder('/embedded/', embeddedDir));
  };
  return {
    name: 'cameras-model-folders',
    configureServer(server) {
      install((fn) => server.middlewares.use(fn));
    },
    configurePreviewServer(server) {
      install((fn) => server.middlewares.use(fn));
    },
    // A built site carries the package's embedded models (small, part of the repository); the
    // mirror is never bundled: zoo models then come from their public URLs.
    generateBundle() {
      const walk = (dir: string): string[] =>
        fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
      if (!fs.existsSync(embeddedDir)) return;
      for (const file of walk(embeddedDir)) {
        const rel = path.relative(embeddedDir, file).split(path.sep).join('/');
        this.emitFile({ type: 'asset', fileName: `embedded/${rel}`, source: fs.readFileSync(file) });
      }
    },
  };
}

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: here,
  appType: 'mpa',
  cacheDir: path.join(repo, 'node_modules', '.vite-web'),
  plugins: [modelFolders()],
  // Cross-origin isolation gives the page SharedArrayBuffer, which multi-threaded WebAssembly needs.
  // Static hosts should send the same two headers; without them WebAssembly runs on one thread.
  server: { fs: { allow: [repo] }, headers: ISOLATION },
  preview: { headers: ISOLATION },
  worker: { format: 'es' },
  optimizeDeps: {
    entries: ['index.html', 'src/worker.ts'],
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'onnx-proto',
      'flatbuffers',
    ],
  },
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 8000 },
});
