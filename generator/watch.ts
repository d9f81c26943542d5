/**
 * `kopf-gen --watch`: regenerates the project whenever a CRD file under the inputs changes. Changes are
 * debounced (an editor's save is several events; a `git checkout` is many files), runs never overlap,
 * and a change during a run triggers one more run after it.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isYamlFile } from './parse/files.ts';

export interface WatchOptions {
  readonly inputs: readonly string[];
  /** Quiet time after the last change before regenerating. */
  readonly debounceMs: number;
  readonly signal: AbortSignal;
  /**
   * One regeneration for the changed files (absolute paths); resolves with the files it wrote, whose
   * own change events are then ignored (an input directory may contain the project's deploy/).
   */
  readonly regenerate: (changed: readonly string[]) => Promise<readonly string[]>;
}

/** Watches until the signal aborts. */
export async function watchInputs(options: WatchOptions): Promise<void> {
  let pending = new Set<string>();
  let written = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const run = async (): Promise<void> => {
    while (pending.size > 0 && !options.signal.aborted) {
      const changed = [...pending].sort();
      pending = new Set();
      written = new Set((await options.regenerate(changed)).map((file) => path.resolve(file)));
    }
  };
  const changed = (file: string): void => {
    if (written.has(file) || !isYamlFile(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      running ??= run().finally(() => (running = undefined));
    }, options.debounceMs);
  };

  const watchers: FSWatcher[] = options.inputs.map((input) => watchInput(path.resolve(input), changed));
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  for (const watcher of watchers) watcher.close();
  await running;
}

/**
 * A directory is watched recursively; a single file through its directory, because editors save by
 * writing a new file and renaming it over the old one, which ends a watch on the file itself.
 */
function watchInput(input: string, changed: (file: string) => void): FSWatcher {
  const isFile = !statSync(input).isDirectory();
  const dir = isFile ? path.dirname(input) : input;
  return watch(dir, { recursive: !isFile }, (_event, name) => {
    if (name === null) return;
    const file = path.join(dir, name);
    if (isFile && file !== input) return;
    // What kopf-gen never reads: hidden directories and files (editors' swap files), dependencies.
    if (name.split(path.sep).some((part) => part === 'node_modules' || part.startsWith('.'))) return;
    changed(file);
  });
}
