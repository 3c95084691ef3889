/** An error about a model's files: unsafe paths, sizes or values that do not match the manifest. */
export class ModelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/**
 * Checks that a path read from a model file stays inside the model's folder: relative, no URL scheme,
 * no absolute or drive path, no `..` that escapes, no NUL. Returns it normalised with `/`.
 */
export function safeRelativePath(p: string, what: string): string {
  if (typeof p !== 'string' || p.length === 0) throw new ModelError(`${what}: empty path`);
  if (/^[a-z][a-z0-9+.-]*:/i.test(p) || p.startsWith('//')) throw new ModelError(`${what}: "${p}" is a URL; only paths inside the model folder are allowed`);
  if (/^[\\/]/.test(p)) throw new ModelError(`${what}: "${p}" is an absolute path; only paths inside the model folder are allowed`);
  if (p.includes('\0')) throw new ModelError(`${what}: path contains a NUL byte`);
  const parts: string[] = [];
  for (const seg of p.replace(/\\/g, '/').split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) throw new ModelError(`${what}: "${p}" points outside the model folder`);
      parts.pop();
    } else parts.push(seg);
  }
  if (parts.length === 0) throw new ModelError(`${what}: "${p}" names no file`);
  return parts.join('/');
}
