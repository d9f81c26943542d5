/**
 * Python Kopf, our compatibility peer: Kopf 1.44.x from PyPI in a venv cached per machine
 * (~/.cache/kopf-ts/kopf-venv-1.44), shared by the interop tests and the benchmark. The first call
 * creates it (a minute or so); later calls only check it. Concurrent callers (test workers, several
 * checkouts) wait for the one that installs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The Kopf release line we are compatible with; the cache is keyed by it. */
export const KOPF_SERIES = '1.44';

/** The venv's directory (it may not exist yet). */
export const kopfVenv = path.join(
  process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
  'kopf-ts',
  `kopf-venv-${KOPF_SERIES}`,
);

/** Written last: a venv without it is half-installed and is rebuilt. */
const COMPLETE = path.join(kopfVenv, '.kopf-ts-complete');
const LOCK = `${kopfVenv}.lock`;
/** A lock older than this belongs to an installer that died. */
const STALE_LOCK_MS = 15 * 60_000;

export type PythonKopf = { kopf: string; python: string } | { skip: string };

let pending: Promise<PythonKopf> | undefined;

/**
 * The `kopf` executable and the venv's `python`, installing Kopf first if needed. Resolves to
 * `{ skip }` with the reason only where Python 3 is not installed; an install that fails otherwise
 * (no network, pip errors) rejects, so the tests that need Kopf fail instead of passing silently.
 */
export function pythonKopf(): Promise<PythonKopf> {
  pending ??= prepare();
  return pending;
}

async function prepare(): Promise<PythonKopf> {
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { skip: 'python3 is not installed' };
  const found = { kopf: path.join(kopfVenv, 'bin', 'kopf'), python: path.join(kopfVenv, 'bin', 'python') };
  while (!existsSync(COMPLETE)) {
    if (!takeLock()) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      continue;
    }
    try {
      if (!existsSync(COMPLETE)) await install();
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
  return found;
}

function takeLock(): boolean {
  mkdirSync(path.dirname(LOCK), { recursive: true });
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    try {
      if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // Released meanwhile.
    }
    return false;
  }
}

async function install(): Promise<void> {
  process.stderr.write(`python-kopf: installing kopf==${KOPF_SERIES}.* from PyPI into ${kopfVenv}\n`);
  rmSync(kopfVenv, { recursive: true, force: true });
  await run('python3', ['-m', 'venv', kopfVenv]);
  await run(path.join(kopfVenv, 'bin', 'pip'), [
    'install',
    '--quiet',
    '--disable-pip-version-check',
    `kopf==${KOPF_SERIES}.*`,
  ]);
  writeFileSync(COMPLETE, `${installedVersion()}\n`);
}

/** The installed Kopf version, e.g. `1.44.6`. */
export function installedVersion(): string {
  if (existsSync(COMPLETE)) {
    const cached = readFileSync(COMPLETE, 'utf8').trim();
    if (cached) return cached;
  }
  const result = spawnSync(
    path.join(kopfVenv, 'bin', 'python'),
    ['-c', 'import importlib.metadata as m; print(m.version("kopf"))'],
    { encoding: 'utf8' },
  );
  return result.status === 0 ? result.stdout.trim() : 'not installed';
}

/** Runs a command without blocking the event loop (other tests keep running meanwhile). */
function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`${command} ${args.join(' ')} failed (${code ?? signal}): ${output.slice(-2000)}`),
          ),
    );
  });
}
