/**
 * Loading the user's handler files and modules. Handler files are imported directly: Node 24 strips
 * TypeScript types natively, so `.ts` files need no build step. Loading happens before anything
 * connects to the cluster, so a broken file fails fast.
 */
import { describeError } from '../structs/errors.ts';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A handler file or module that could not be loaded. */
export class LoadingError extends Error {
  readonly target: string;
  constructor(target: string, cause: unknown) {
    super(`Failed to load ${target}: ${describeError(cause)}`, { cause });
    this.name = 'LoadingError';
    this.target = target;
  }
}

/** The runtime's own directory (source or dist): its frames say nothing about the user's file. */
const RUNTIME_ROOT = path.resolve(import.meta.dirname, '..');

/**
 * What to print for a file that failed to load: the cause with its frames in the user's code only.
 * Node's module loader adds ~10 internal frames to every error, and a syntax error has no frame worth
 * reading at all: its message already shows the source line and a caret under the fault.
 */
export function describeLoadingFailure(error: LoadingError): string {
  const cause = error.cause;
  if (!(cause instanceof Error)) return describeError(cause);
  const lines = (cause.stack ?? `${cause.name}: ${cause.message}`).split('\n');
  const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
  if (firstFrame < 0) return lines.join('\n');
  const heading = lines.slice(0, firstFrame);
  if (cause instanceof SyntaxError) return heading.join('\n');
  return [...heading, ...lines.slice(firstFrame).filter(isUserFrame)].join('\n');
}

function isUserFrame(frame: string): boolean {
  if (/[( ]node:/.test(frame)) return false;
  const file = /((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/.exec(frame)?.[1];
  if (file === undefined) return true;
  const absolute = file.startsWith('file://') ? fileURLToPath(file) : file;
  return !absolute.startsWith(RUNTIME_ROOT + path.sep);
}

/** Import the files (relative to `cwd`), then the modules, in order; throws {@link LoadingError}. */
export async function loadHandlers(
  files: readonly string[],
  modules: readonly string[],
  cwd = process.cwd(),
): Promise<void> {
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    if (!existsSync(absolute)) throw new LoadingError(file, `no such file: ${absolute}`);
    try {
      await import(pathToFileURL(absolute).href);
    } catch (error) {
      throw new LoadingError(file, error);
    }
  }
  for (const name of modules) {
    try {
      await import(resolveModule(name, cwd));
    } catch (error) {
      throw new LoadingError(`module ${name}`, error);
    }
  }
}

/** Resolve a module name from the user's directory (their node_modules), falling back to ours. */
function resolveModule(name: string, cwd: string): string {
  if (isBuiltin(name)) return name;
  if (name.startsWith('.') || path.isAbsolute(name)) return pathToFileURL(path.resolve(cwd, name)).href;
  try {
    return pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(name)).href;
  } catch {
    // ESM-only packages (exports without a `require` condition) are invisible to require.resolve.
    return findEsmEntry(name, cwd) ?? name;
  }
}

/** The `import` entry of a package found in a node_modules directory at or above `cwd`. */
function findEsmEntry(name: string, cwd: string): string | undefined {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const entry = exportedEntry(pkg.exports) ?? pkg.main ?? 'index.js';
      return pathToFileURL(path.join(path.dirname(manifest), entry)).href;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

function exportedEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const map = exports as Record<string, unknown>;
  const root = '.' in map ? map['.'] : map;
  if (typeof root === 'string') return root;
  if (!root || typeof root !== 'object') return undefined;
  for (const condition of ['import', 'node', 'default']) {
    const target = exportedEntry((root as Record<string, unknown>)[condition]);
    if (target) return target;
  }
  return undefined;
}
