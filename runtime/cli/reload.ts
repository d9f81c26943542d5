/**
 * `kopf run --reload`, for development: the operator runs in a supervised child process (`kopf run`
 * with the same arguments), and a change to a handler file — or any script next to or below one, which
 * is where their local imports live — restarts it: the child is stopped gracefully (running handlers
 * finish and their outcome is saved on the objects), and a new child loads the new code. Progress
 * persisted on the objects makes finished handlers stay finished; daemons and timers start again.
 * Before the old child is stopped, the new code is loaded once in a throw-away process: a file that
 * does not load is reported, and the previous handlers keep running until it is fixed.
 * The child is tied to the supervisor by an IPC channel: a supervisor that dies without stopping it
 * (SIGKILL, a crash) closes the channel, and the child stops gracefully instead of running orphaned.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { getLogger } from '../structs/logging.ts';
import type { RunOptions } from './options.ts';

const logger = getLogger('kopf.reload');

/** Files whose change reloads the handlers. */
const SCRIPT = /\.(ts|mts|cts|js|mjs|cjs|json)$/;
const DEBOUNCE_MS = 300;
/** Set in the child's environment: it runs under a `--reload` supervisor, with an IPC channel to it. */
const SUPERVISED = 'KOPF_RELOAD_SUPERVISED';

/** Runs `kopf run` without `--reload` in a child, restarting it on changes; resolves with its last exit code. */
export async function runWithReload(argv: readonly string[], options: RunOptions): Promise<number> {
  const childArgv = argv.filter((arg) => !/^--(no-)?reload(=.*)?$/.test(arg));
  const env = { ...process.env, KOPF_RUN_RELOAD: 'false', [SUPERVISED]: 'true' };
  const start = (): ChildProcess =>
    spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...childArgv], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env,
    });

  let child: ChildProcess | undefined = start();
  let exited = exitOf(child);
  let stopping = false;
  let lastCode = 0;
  /** Children stopped on purpose, for a reload: their exit is no news. */
  const replaced = new WeakSet<ChildProcess>();
  const watchExit = (current: ChildProcess, done: Promise<number>) =>
    void done.then((code) => {
      lastCode = code;
      if (child === current && !stopping && !replaced.has(current)) {
        logger.warning(`The operator exited with code ${code}; it starts again when a handler file changes.`);
        child = undefined;
      }
    });
  watchExit(child, exited);

  const dirs = [...new Set(options.files.map((file) => path.dirname(path.resolve(file))))];
  logger.info(`Reloading the handlers when a script in ${dirs.map(relative).join(', ')} changes.`);
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;

  const reload = async (): Promise<void> => {
    while (changed.size > 0 && !stopping) {
      const files = [...changed].map(relative).sort().join(', ');
      changed = new Set();
      const failure = await loadCheck(options);
      if (failure !== undefined) {
        logger.error(
          `${files} changed, but the handlers do not load; the previous handlers keep running until it is fixed:\n${failure}`,
        );
        continue;
      }
      logger.info(`${files} changed; reloading the handlers.`);
      if (child) {
        replaced.add(child);
        child.kill('SIGTERM');
        await exited;
      }
      if (stopping) return;
      child = start();
      exited = exitOf(child);
      watchExit(child, exited);
    }
  };

  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, { recursive: true }, (_event, name) => {
      if (name === null || !SCRIPT.test(name)) return;
      if (name.split(path.sep).some((part) => part === 'node_modules' || part.startsWith('.'))) return;
      changed.add(path.join(dir, name));
      clearTimeout(timer);
      timer = setTimeout(() => {
        reloading ??= reload().finally(() => (reloading = undefined));
      }, DEBOUNCE_MS);
    }),
  );

  // The supervisor stops with its child: the first signal stops the child gracefully, a second kills it.
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        child?.kill('SIGKILL');
        return;
      }
      stopping = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      child?.kill(signal);
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await stopped;
  await reloading;
  if (child) lastCode = await exited;
  return lastCode;
}

/**
 * In a supervised child: stop gracefully (through the usual SIGTERM path) when the supervisor's channel
 * closes, i.e. when the supervisor is gone. The channel does not keep the child alive by itself.
 */
export function followSupervisor(): void {
  if (process.env[SUPERVISED] !== 'true' || !process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => {
    logger.warning('The --reload supervisor is gone; stopping the operator.');
    process.kill(process.pid, 'SIGTERM');
  });
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** Loads the handlers in a throw-away process; undefined when they load, else what went wrong. */
function loadCheck(options: RunOptions): Promise<string | undefined> {
  const checker = path.join(import.meta.dirname, `load-check${path.extname(import.meta.filename)}`);
  const request = JSON.stringify({ files: options.files, modules: options.modules });
  return new Promise((resolve) => {
    const check = spawn(process.execPath, [...process.execArgv, checker, request], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    check.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    check.once('exit', (code) => resolve(code === 0 ? undefined : stderr.trim() || `exit code ${code}`));
  });
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || '.';
}
