/**
 * The examples' end-to-end driver, as Kopf's `examples/test_examples.py`: run an example the way a
 * user does (`kopf run --standalone --verbose -n <ns> examples/<dir>/example.ts`, a child process of
 * the BUILT package, bin/kopf.js → dist/), apply examples/obj.yaml, delete it, stop the operator, and
 * compare what it logged with the expectations the example module exports:
 *
 * - `E2E_SUCCESS_COUNTS`: handler id → how many `Handler '<id>' succeeded.` lines (exactly);
 * - `E2E_FAILURE_COUNTS`: handler id → how many `Handler '<id>' failed permanently` lines (exactly);
 *   any other handler's permanent failure fails the test;
 * - `E2E_STARTUP_STOP_WORDS` / `E2E_CREATION_STOP_WORDS` / `E2E_DELETION_STOP_WORDS` /
 *   `E2E_CLEANUP_STOP_WORDS`: log substrings awaited after each step (defaults below);
 * - `E2E_ALLOW_TRACEBACKS`: unexpected-error stack traces are allowed (default: none allowed).
 *
 * Why a child process and not `testing.run({ files })` in the test's own process: the examples
 * register into the default registry, ES modules load once per process, and the RBAC test must run
 * them with nothing but a ServiceAccount's kubeconfig — a process per run gives all of that, and is
 * exactly what users run. Why the built package: the examples import `kopf-ts` by name (package
 * self-reference → dist/), so the CLI must be the same build, or `instanceof kopf.TemporaryError`
 * would compare classes of two copies. `npm test` builds first; alone, run `npm run build` first.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { createInterface } from 'node:readline';
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyYamlFile,
  eventually,
  freshNamespace,
  serviceAccountKubeConfig,
  type TestNamespace,
} from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { freePort } from '../setup/ports.ts';
import { STARTUP_MS } from './cli-kit.ts';
import { deleteManaged } from './admission-kit.ts';
import { installCrd } from './handlers-kit.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const KOPF_BIN = path.join(ROOT, 'bin', 'kopf.js');
export const OBJ_YAML = path.join(ROOT, 'examples', 'obj.yaml');
export const OBJ_NAME = 'kopf-example-1';
export { STARTUP_MS };
/** Each step's wait (an object handled, deleted, ...): readiness waits, generous for a busy machine. */
export const STEP_MS = 90_000;

export const KOPF_EXAMPLES = { group: 'kopf.dev', version: 'v1', plural: 'kopfexamples' } as const;

/** What an example module may export for its e2e test (Kopf's names). */
export interface ExampleExpectations {
  E2E_SUCCESS_COUNTS?: Record<string, number>;
  E2E_FAILURE_COUNTS?: Record<string, number>;
  E2E_STARTUP_STOP_WORDS?: readonly string[];
  E2E_CREATION_STOP_WORDS?: readonly string[];
  E2E_DELETION_STOP_WORDS?: readonly string[];
  E2E_CLEANUP_STOP_WORDS?: readonly string[];
  E2E_ALLOW_TRACEBACKS?: boolean;
  /** A merge-patch applied once after creation (an update step; Kopf's e2e has none). */
  E2E_UPDATE_PATCH?: Record<string, unknown>;
  E2E_UPDATE_STOP_WORDS?: readonly string[];
  /** Another object to create and delete instead of examples/obj.yaml (a file relative to the repo). */
  E2E_OBJECT?: { file: string; apiVersion: string; kind: string; name: string };
  /** Run `node examples/<dir>/example.ts <namespace>` (an embedded operator) instead of `kopf run`. */
  E2E_RUN_DIRECTLY?: boolean;
  /**
   * Run with `--liveness` and expect these `kopf.on.probe` results (probe id → value) from the
   * endpoint once the object is created (the first request computes them).
   */
  E2E_PROBES?: Record<string, unknown>;
  /**
   * The example serves admission webhooks: it runs with `--webhook-managed <namespace>.kopf.dev`
   * (a configuration of its own, deleted afterwards), and the object is applied only once the API
   * server calls the webhooks (a dry-run create with `spec.field: not-allowed` is rejected).
   */
  E2E_WEBHOOKS?: boolean;
}

/**
 * The example's exported expectations. Read in a separate `node` process: importing the example
 * here would register its handlers into this worker's default registry (twice for two examples
 * with the same handler names — an error), and would resolve `kopf-ts` inside vitest.
 */
export async function expectationsOf(dir: string): Promise<ExampleExpectations & Record<string, unknown>> {
  const file = pathToFileURL(path.join(ROOT, 'examples', dir, 'example.ts')).href;
  const script = `const m = await import(${JSON.stringify(file)}); process.stdout.write(JSON.stringify({ ...m }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(output) as ExampleExpectations & Record<string, unknown>;
}

/** dist/ must exist and be newer than the runtime sources the examples use (through `kopf-ts`). */
export function assertBuilt(): void {
  const entry = path.join(ROOT, 'dist', 'runtime', 'index.js');
  if (!existsSync(entry))
    throw new Error('dist/ is missing: run `npm run build` before the examples e2e tests');
  const built = statSync(entry).mtimeMs;
  const index = statSync(path.join(ROOT, 'runtime', 'index.ts')).mtimeMs;
  if (index > built) throw new Error('dist/ is older than runtime/index.ts: run `npm run build` first');
}

export interface ExampleProcess {
  child: ChildProcess;
  /** stdout + stderr lines so far. */
  lines: string[];
  exited: Promise<number | null>;
  /** Wait for a line; fails at once if the process exits first, or logs a line matching `giveUpOn`. */
  waitForLine(pattern: RegExp | string, timeoutMs?: number, giveUpOn?: RegExp): Promise<void>;
  /** Why waiting on this process is pointless: it exited, or logged a line matching `giveUpOn`. */
  hopeless(giveUpOn?: RegExp): string | undefined;
  /** SIGTERM, then the exit code; -1 if it had to be SIGKILLed after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<number | null>;
}

/**
 * `kopf run --standalone --verbose -n <namespace> examples/<dir>/example.ts` with this kubeconfig file
 * (`--peering NAME` instead of `--standalone` with `peering`).
 */
export function runExample(
  dir: string,
  options: {
    namespace: string;
    kubeconfigFile: string;
    env?: Record<string, string>;
    directly?: boolean;
    /** `--liveness` URL. */
    liveness?: string;
    /** `--webhook-managed` name. */
    webhookManaged?: string;
    /** Mandatory peering on this KopfPeering (in the namespace) instead of `--standalone`. */
    peering?: string;
  },
): ExampleProcess {
  const file = path.join('examples', dir, 'example.ts');
  const child = spawn(
    process.execPath,
    options.directly
      ? [file, options.namespace]
      : [
          KOPF_BIN,
          'run',
          ...(options.peering ? ['--peering', options.peering] : ['--standalone']),
          '--verbose',
          ...(options.liveness ? ['--liveness', options.liveness] : []),
          ...(options.webhookManaged ? ['--webhook-managed', options.webhookManaged] : []),
          '-n',
          options.namespace,
          file,
        ],
    {
      cwd: ROOT,
      env: { ...process.env, KUBECONFIG: options.kubeconfigFile, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const collect = (line: string) => {
    lines.push(line);
    if (process.env.KOPF_TEST_VERBOSE) process.stderr.write(`  ${dir} | ${line}\n`);
  };
  createInterface({ input: child.stdout! }).on('line', collect);
  createInterface({ input: child.stderr! }).on('line', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hopeless = (giveUpOn?: RegExp): string | undefined => {
    if (child.exitCode !== null) return `${dir} exited (${child.exitCode})`;
    const line = giveUpOn && lines.find((l) => giveUpOn.test(l));
    return line === undefined ? undefined : `${dir} logged: ${line}`;
  };
  return {
    child,
    lines,
    exited,
    hopeless,
    async waitForLine(pattern, timeoutMs = STEP_MS, giveUpOn) {
      const test = (line: string) =>
        typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line);
      await eventually(() => lines.some(test) || hopeless(giveUpOn) !== undefined, {
        timeoutMs,
        what: `a log line ${String(pattern)} of ${dir}\n${lines.slice(-60).join('\n')}`,
      });
      if (!lines.some(test)) {
        throw new Error(`${hopeless(giveUpOn)} before logging ${String(pattern)}:\n${lines.join('\n')}`);
      }
    },
    async stop(timeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<-1>((resolve) => (timer = setTimeout(() => resolve(-1), timeoutMs)));
      const code = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (code === -1) child.kill('SIGKILL');
      return code;
    },
  };
}

/** Lines saying that handler (daemon, timer, activity) `id` succeeded. */
export function successes(lines: readonly string[], id: string): number {
  const pattern = new RegExp(`\\] ${KINDS} '${escape(id)}' succeeded\\.`);
  return lines.filter((line) => pattern.test(line)).length;
}

/**
 * The end of a handler for good. Matched after the object's `[namespace/name]` prefix: the debug
 * lines with the object's body quote these messages from the stored progress too.
 */
const KINDS = '(?:Handler|Daemon|Timer|Activity)';
const FAILED = 'failed (permanently|with an exception and will stop now)';

/** Lines saying that handler `id` failed permanently (or for good, after retries or a timeout). */
export function failures(lines: readonly string[], id: string): number {
  return lines.filter((line) => new RegExp(`\\] ${KINDS} '${escape(id)}' ${FAILED}`).test(line)).length;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Handler ids that failed for good, from all lines. */
export function failedHandlers(lines: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const line of lines) {
    const match = new RegExp(`\\] ${KINDS} '([^']+)' ${FAILED}`).exec(line);
    if (match) ids.add(match[1]!);
  }
  return [...ids];
}

export interface ExampleRun {
  lines: string[];
  exitCode: number | null;
}

/**
 * The whole scenario: start, wait for the startup stop-words, apply obj.yaml, wait for the creation
 * stop-words, delete the object and wait until it is gone and the deletion stop-words appeared,
 * stop the operator (SIGTERM) and wait for the cleanup stop-words. Returns every line.
 */
export async function runScenario(
  dir: string,
  expectations: ExampleExpectations,
  options: {
    kc: KubeConfig;
    namespace: string;
    kubeconfigFile: string;
    env?: Record<string, string>;
    /** How long to wait for each step (default {@link STEP_MS}); also for the startup. */
    stepMs?: number;
    /** Called with the started process (to see its lines even when a step fails). */
    onStart?: (process: ExampleProcess) => void;
    /** Mandatory peering on this KopfPeering instead of `--standalone` (see {@link runExample}). */
    peering?: string;
    /**
     * Fail the step being waited for as soon as the operator logs a line matching this (a run that is
     * meant to fail, e.g. without a permission: it need not wait out the step).
     */
    giveUpOn?: RegExp;
  },
): Promise<ExampleRun> {
  const stepMs = options.stepMs ?? STEP_MS;
  const { giveUpOn } = options;
  const liveness = expectations.E2E_PROBES ? `http://127.0.0.1:${await freePort()}/healthz` : undefined;
  const webhookManaged = expectations.E2E_WEBHOOKS ? `${options.namespace}.kopf.dev` : undefined;
  const kopf = runExample(dir, {
    ...options,
    directly: expectations.E2E_RUN_DIRECTLY ?? false,
    ...(liveness ? { liveness } : {}),
    ...(webhookManaged ? { webhookManaged } : {}),
  });
  const target = expectations.E2E_OBJECT;
  options.onStart?.(kopf);
  try {
    for (const words of expectations.E2E_STARTUP_STOP_WORDS ?? []) {
      await kopf.waitForLine(words, options.stepMs ?? STARTUP_MS, giveUpOn);
    }
    const until = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = stepMs) =>
      eventuallyUnless(() => kopf.hopeless(giveUpOn), probe, { timeoutMs, what });
    if (webhookManaged) await waitForWebhooks(options.kc, options.namespace, until);
    await applyYamlFile(options.kc, target ? path.join(ROOT, target.file) : OBJ_YAML, {
      namespace: options.namespace,
    });
    for (const words of expectations.E2E_CREATION_STOP_WORDS ?? ['Creation is processed:']) {
      await kopf.waitForLine(words, stepMs, giveUpOn);
    }
    if (liveness) {
      const probes = await until(async () => {
        const response = await fetch(liveness);
        return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
      }, `an answer from ${liveness}`);
      expect(probes).toEqual(expectations.E2E_PROBES);
    }
    const objects = options.kc.makeApiClient(CustomObjectsApi);
    if (expectations.E2E_UPDATE_PATCH) {
      await objects.patchNamespacedCustomObject(
        {
          ...KOPF_EXAMPLES,
          namespace: options.namespace,
          name: OBJ_NAME,
          body: expectations.E2E_UPDATE_PATCH,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      for (const words of expectations.E2E_UPDATE_STOP_WORDS ?? ['Updating is processed:']) {
        await kopf.waitForLine(words, stepMs, giveUpOn);
      }
    }
    const generic = KubernetesObjectApi.makeApiClient(options.kc);
    const reference = {
      apiVersion: target?.apiVersion ?? 'kopf.dev/v1',
      kind: target?.kind ?? 'KopfExample',
      metadata: { name: target?.name ?? OBJ_NAME, namespace: options.namespace },
    };
    await generic.delete(reference);
    await until(
      async () => {
        try {
          await generic.read(reference);
          return false;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      },
      `${OBJ_NAME} deleted\n${kopf.lines.slice(-60).join('\n')}`,
    );
    for (const words of expectations.E2E_DELETION_STOP_WORDS ?? ['Deleted, really deleted']) {
      await kopf.waitForLine(words, stepMs, giveUpOn);
    }
    const exitCode = await kopf.stop();
    for (const words of expectations.E2E_CLEANUP_STOP_WORDS ?? []) await kopf.waitForLine(words, 1);
    return { lines: kopf.lines, exitCode };
  } finally {
    await kopf.stop();
    // Whatever happened to the example, its webhooks must not outlive it (they apply cluster-wide).
    if (webhookManaged) await deleteManaged(options.kc, webhookManaged);
  }
}

/**
 * `eventually`, failing at once (saying why) when `hopeless()` gives a reason: waits on an operator
 * that exited, or that logged what makes the rest of its run pointless, end early.
 */
async function eventuallyUnless<T>(
  hopeless: () => string | undefined,
  probe: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; what: string },
): Promise<T> {
  const outcome = await eventually(async (): Promise<{ value: T } | { reason: string } | undefined> => {
    const reason = hopeless();
    if (reason !== undefined) return { reason };
    const value = await probe();
    return value === undefined || value === false ? undefined : { value };
  }, options);
  if ('reason' in outcome) throw new Error(`gave up waiting for ${options.what}: ${outcome.reason}`);
  return outcome.value;
}

type Until = <T>(probe: () => Promise<T | undefined | false>, what: string) => Promise<T>;

/** The API server calls the example's webhooks once a dry-run create of a not-allowed object is rejected. */
async function waitForWebhooks(kc: KubeConfig, namespace: string, until: Until): Promise<void> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const body = {
    apiVersion: 'kopf.dev/v1',
    kind: 'KopfExample',
    metadata: { name: 'webhook-probe' },
    spec: { field: 'not-allowed' },
  };
  await until(
    () =>
      objects.createNamespacedCustomObject({ ...KOPF_EXAMPLES, namespace, body, dryRun: 'All' }).then(
        () => false,
        (error: unknown) => (error as { code?: number }).code !== undefined,
      ),
    'the webhooks to be called',
  );
}

/** Kopf's assertions: exact success and failure counts, no other failures, no unexpected stack traces. */
export function checkExpectations(run: ExampleRun, expectations: ExampleExpectations): void {
  const { lines } = run;
  const context = `\n--- operator log ---\n${lines.join('\n')}`;
  expect(run.exitCode, `exit code${context}`).toBe(0);
  for (const [id, count] of Object.entries(expectations.E2E_SUCCESS_COUNTS ?? {})) {
    expect(successes(lines, id), `successes of ${id}${context}`).toBe(count);
  }
  const expectedFailures = expectations.E2E_FAILURE_COUNTS ?? {};
  for (const [id, count] of Object.entries(expectedFailures)) {
    expect(failures(lines, id), `failures of ${id}${context}`).toBe(count);
  }
  const unexpected = failedHandlers(lines).filter((id) => !(id in expectedFailures));
  expect(unexpected, `unexpected failures${context}`).toEqual([]);
  if (!expectations.E2E_ALLOW_TRACEBACKS) {
    const traces = lines.filter((line) => /^\s+at .+:\d+:\d+\)?$/.test(line));
    expect(traces, `stack traces${context}`).toEqual([]);
  }
  expect(
    lines.filter((line) => /Patching failed|Forbidden|forbidden:/.test(line)),
    `API errors${context}`,
  ).toEqual([]);
}

/**
 * The e2e test of one example (one test file per example, so that vitest spreads them over its
 * workers): a fresh namespace, the scenario with the admin kubeconfig, Kopf's assertions.
 */
export function describeExample(
  dir: string,
  extra?: (run: ExampleRun, namespace: string) => Promise<void> | void,
): void {
  describe(`examples/${dir}`, () => {
    const cluster = testCluster();
    const kc = cluster.kubeConfig();
    let ns: TestNamespace | undefined;
    beforeAll(async () => {
      assertBuilt();
      await installCrd(kc);
      ns = await freshNamespace(kc, `ex-${dir.replace(/[^a-z0-9]+/g, '-')}`.slice(0, 40));
    });
    afterAll(async () => ns?.delete());

    it(
      'handles the example object as the example declares',
      async () => {
        const expectations = await expectationsOf(dir);
        const run = await runScenario(dir, expectations, {
          kc,
          namespace: ns!.name,
          kubeconfigFile: cluster.kubeconfig,
        });
        checkExpectations(run, expectations);
        await extra?.(run, ns!.name);
      },
      STARTUP_MS + 5 * STEP_MS,
    ); // every step may take its whole wait on a busy machine
  });
}

/** The examples that run under the generated RBAC (see rbac-examples.test.ts for those that do not). */
export const EXAMPLE_DIRS = readdirSync(path.join(ROOT, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
  .map((entry) => entry.name)
  .sort();

export interface GeneratedRbac {
  /** The kopf-gen project directory (temporary). */
  project: string;
  /** Project name = ServiceAccount, Role, ClusterRole and binding names. */
  name: string;
  /** deploy/rbac.yaml as generated. */
  yaml: string;
  /** Its documents. */
  documents: RbacDocument[];
  /** kopf-gen's output (warnings). */
  output: string;
}

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface RbacDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: RbacRule[];
  [field: string]: unknown;
}

/**
 * What a user does: `kopf-gen crds/kopfexamples.yaml -n <namespace>` makes a project; the examples'
 * handler files go to its src/handlers/ (their import of the shared generated module pointed at the
 * project's own); `kopf-gen rbac` derives deploy/rbac.yaml from them.
 */
export function generateExamplesRbac(
  namespace: string,
  dirs: readonly string[] = EXAMPLE_DIRS,
): GeneratedRbac {
  const name = `kopf-examples-${namespace}`.slice(0, 63);
  const project = path.join(mkdtempSync(path.join(tmpdir(), 'kopf-rbac-')), name);
  const kopfGen = (args: string[]) =>
    execFileSync(process.execPath, [path.join(ROOT, 'generator', 'cli.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  let output = kopfGen([path.join(ROOT, 'crds', 'kopfexamples.yaml'), '-o', project, '-n', namespace, '-q']);
  for (const dir of dirs) {
    const source = readFileSync(path.join(ROOT, 'examples', dir, 'example.ts'), 'utf8');
    writeFileSync(
      path.join(project, 'src', 'handlers', `example-${dir}.ts`),
      source.replaceAll("'../_generated/", "'../generated/"),
    );
  }
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'generator', 'cli.ts'), 'rbac', '-o', project],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`kopf-gen rbac failed:\n${result.stdout}\n${result.stderr}`);
  output += result.stdout + result.stderr;
  const yaml = readFileSync(path.join(project, 'deploy', 'rbac.yaml'), 'utf8');
  const documents = (loadAll(yaml) as Array<RbacDocument | null>).filter((d): d is RbacDocument => !!d);
  return { project, name, yaml, documents, output };
}

/** A kubeconfig file with only the ServiceAccount's token (TokenRequest), for `KUBECONFIG`. */
export async function serviceAccountKubeconfigFile(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
): Promise<string> {
  const kc = await serviceAccountKubeConfig(admin, namespace, serviceAccount, { expirationSeconds: 3600 });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kopf-sa-')), 'kubeconfig');
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/** Delete an object for sure: drop its finalizers (no operator may be running), then delete it. */
export async function forceDelete(
  kc: KubeConfig,
  object: { apiVersion: string; kind: string; metadata: { name: string; namespace: string } },
): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  await api
    .patch(
      { ...object, metadata: { ...object.metadata, finalizers: null } } as never,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    )
    .catch(() => undefined);
  await api.delete(object).catch(() => undefined);
}
