/** Running `kopf run` as a real child process from source, for the CLI and resilience e2e tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eventually } from '../../runtime/testing/index.ts';

/**
 * Waits that include starting a `kopf run` process: a cold start on a busy 2-core machine is slow (well
 * over 60 s at load averages of 30–40, when several suites share the machine). A readiness wait: a
 * generous bound costs nothing when things work.
 */
export const STARTUP_MS = 120_000;

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(ROOT, 'runtime', 'cli', 'main.ts');

/** A temporary directory for handler files and run logs. */
export function workDir(prefix = 'kopf-cli-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Write a handler file that imports kopf-ts from source. `body` sees `kopf`, `examples` (the typed
 * descriptor of kopfexamples.kopf.dev) and `record(line)`, which appends a line to `$RUNS_FILE`.
 */
export function handlerFile(dir: string, body: string, name = 'handlers.ts'): string {
  const file = path.join(dir, name);
  writeFileSync(
    file,
    `import { appendFileSync } from 'node:fs';
import * as kopf from ${JSON.stringify(path.join(ROOT, 'runtime', 'index.ts'))};
const examples = kopf.resource({ group: 'kopf.dev', version: 'v1', plural: 'kopfexamples', kind: 'KopfExample', namespaced: true });
const record = (line: string): void => appendFileSync(process.env.RUNS_FILE!, line + '\\n');
void examples; void record;
${body}
`,
  );
  return file;
}

/**
 * A "cluster" that only counts connections, and a kubeconfig in `dir` pointing at it: for runs that
 * must fail before connecting anywhere.
 */
export async function countingServer(
  dir: string,
): Promise<{ kubeconfig: string; connections(): number; close(): Promise<void> }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const port = (server.address() as net.AddressInfo).port;
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:${port}'}}]\n` +
      `users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`,
  );
  return {
    kubeconfig,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Lines recorded by handlers so far. */
export function runs(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export interface KopfProcess {
  child: ChildProcess;
  /** stderr + stdout lines so far. */
  lines: string[];
  exited: Promise<number | null>;
  waitForLine(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  /** SIGTERM and wait for the exit code; -1 if it did not exit within `timeoutMs` (then SIGKILLed). */
  stop(timeoutMs?: number): Promise<number | null>;
}

/** Spawn `node runtime/cli/main.ts <args>` with the given environment added. */
export function spawnKopf(args: string[], env: Record<string, string>): KopfProcess {
  return spawnOperator(process.execPath, [MAIN, ...args], env);
}

/**
 * Spawn any operator process (kopf-ts, Python Kopf for the interop tests, `npm start` of a generated
 * project) with its lines captured. With `terminal`, it gets a process group of its own and `stop()`
 * signals the whole group with SIGINT, as Ctrl+C in a terminal does — for wrappers such as `npm start`,
 * whose operator is a grandchild.
 */
export function spawnOperator(
  command: string,
  args: string[],
  env: Record<string, string>,
  options: { cwd?: string; terminal?: boolean } = {},
): KopfProcess {
  const { terminal = false, cwd } = options;
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    ...(cwd !== undefined ? { cwd } : {}),
    detached: terminal,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const signal = (name: NodeJS.Signals) => (terminal ? process.kill(-child.pid!, name) : child.kill(name));
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => {
    lines.push(line);
    if (process.env.KOPF_TEST_VERBOSE) process.stderr.write(`  | ${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    async waitForLine(pattern, timeoutMs = STARTUP_MS) {
      const test = (line: string) =>
        typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
      await eventually(() => lines.some(test), {
        timeoutMs,
        what: `a log line ${pattern}\n${lines.join('\n')}`,
      });
    },
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) signal(terminal ? 'SIGINT' : 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<-1>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
      const code = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (code === -1) signal('SIGKILL');
      return code;
    },
  };
}
