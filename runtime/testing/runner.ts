/**
 * Run an operator in-process inside a test, like Kopf's `KopfRunner`: start it, drive the cluster,
 * then stop it and look at what it logged and how it ended.
 *
 * @example
 * ```ts
 * const runner = await testing.run({ files: ['src/operator.ts'], namespaces: [ns.name], kubeConfig: kc });
 * // ... create objects, wait for their status ...
 * await runner.stop();
 * expect(runner.error).toBeUndefined();
 * expect(runner.lines.filter((l) => l.includes("Handler 'createFn' succeeded"))).toHaveLength(1);
 * ```
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { operator } from '../api/operator.ts';
import type { Registry } from '../processing/registry.ts';
import { loadHandlers } from '../cli/loading.ts';
import { addLogListener, formatRecord, type LogRecord } from '../structs/logging.ts';
import type { SettingsOverrides } from '../structs/settings.ts';

export interface RunOptions {
  /** Handler files or modules to import first; they register into the default registry. */
  files?: string[];
  /** A registry to serve instead of the default one (handlers registered with `{ registry }`). */
  registry?: Registry;
  /** Namespace patterns to serve; all namespaces when omitted. */
  namespaces?: string[];
  settings?: SettingsOverrides;
  kubeConfig?: KubeConfig;
  memo?: Record<string, unknown>;
  /** Directory the files are relative to (default: the current directory). */
  cwd?: string;
}

export interface OperatorRunner {
  /** Every log record emitted while the operator ran (by any logger of this process), in order. */
  readonly records: readonly LogRecord[];
  /** The same records as plain text lines (`[namespace/name] message`). */
  readonly lines: readonly string[];
  /** Set when the operator failed (start-up error); undefined while running or after a clean stop. */
  readonly error: unknown;
  /** Whether the operator is still running. */
  readonly running: boolean;
  /** Wait for a log line matching `pattern` (a substring or a RegExp); rejects after `timeoutMs`. */
  waitForLine(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Stop the operator (as SIGTERM would) and wait until it has stopped. */
  stop(): Promise<void>;
}

/** Start an operator in this process and return a handle to observe and stop it. */
export async function run(options: RunOptions = {}): Promise<OperatorRunner> {
  if (options.files?.length) await loadHandlers(options.files, [], options.cwd);
  const records: LogRecord[] = [];
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  const unlisten = addLogListener((record) => {
    const line = formatRecord(record, 'plain', true);
    records.push(record);
    lines.push(line);
    for (const waiter of waiters) waiter(line);
  });
  const stopper = new AbortController();
  let error: unknown;
  let running = true;
  const finished = operator({
    registry: options.registry,
    ...(options.namespaces?.length ? { namespaces: options.namespaces } : { clusterwide: true }),
    settings: options.settings,
    kubeConfig: options.kubeConfig,
    memo: options.memo,
    standalone: true,
    signal: stopper.signal,
  })
    .then(
      () => undefined,
      (failure: unknown) => {
        error = failure;
      },
    )
    .finally(() => {
      running = false;
    });

  return {
    records,
    lines,
    get error() {
      return error;
    },
    get running() {
      return running;
    },
    waitForLine(pattern, timeoutMs = 30_000) {
      const matches = (line: string) =>
        typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
      const seen = lines.find(matches);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no log line matching ${String(pattern)} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (line: string) => {
          if (!matches(line)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(line);
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      stopper.abort();
      await finished;
      unlisten();
    },
  };
}
