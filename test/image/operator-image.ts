/**
 * Building and running the image of a kopf-gen generated operator, for the image e2e test and for
 * `node test/image/demo.ts`. The heavy lifting is in the shell scripts next to this file:
 * make-base-image.sh, build-operator-image.sh, run-operator-image.sh.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CoreV1Api, loadAllYaml, type KubeConfig } from '@kubernetes/client-node';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const IMAGE_SCRIPTS = path.join(REPO, 'test/image');

/** Generate an operator project from CRDs with the repository's kopf-gen (as a user would run it). */
export function generateProject(crds: string, output: string, options: { namespace?: string } = {}): void {
  rmSync(output, { recursive: true, force: true });
  const args = [path.join(REPO, 'generator/cli.ts'), crds, '-o', output, '-q'];
  if (options.namespace) args.push('--namespace', options.namespace);
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`kopf-gen failed (${result.status}):\n${result.stdout}${result.stderr}`);
}

/** Run one of the image scripts to completion; stderr lines go to `progress`; resolves with stdout. */
export function runScript(
  script: string,
  args: string[],
  progress: (line: string) => void = () => {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(IMAGE_SCRIPTS, script), ...args], {
      env: withRepoNode(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const tail: string[] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      progress(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${script} ${args.join(' ')} exited with ${code}:\n${tail.join('\n')}`));
    });
  });
}

/** The scripts need npm/node 24 first on PATH (the repository's `node` dev dependency). */
function withRepoNode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    PATH: `${path.dirname(process.execPath)}:${path.join(REPO, 'node_modules/.bin')}:${env.PATH ?? ''}`,
  };
}

/** Build the project's image with build-operator-image.sh; returns the image id. */
export async function buildOperatorImage(
  project: string,
  tag: string,
  progress?: (line: string) => void,
): Promise<string> {
  const out = await runScript('build-operator-image.sh', [project, tag], progress);
  const id = out.trim().split('\n').pop();
  if (!id) throw new Error('build-operator-image.sh printed no image id');
  return id;
}

/** Image size in bytes, as podman reports it (uncompressed, all layers). */
export function imageSize(image: string): number {
  const result = spawnSync('podman', ['image', 'inspect', '--format', '{{.Size}}', image], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`podman image inspect ${image}: ${result.stderr}`);
  return Number(result.stdout.trim());
}

/**
 * What the kubelet puts at /var/run/secrets/kubernetes.io/serviceaccount for a Pod of this
 * ServiceAccount: a TokenRequest token bound to it, the cluster's CA, the namespace.
 */
export async function writeServiceAccountDir(
  admin: KubeConfig,
  options: {
    namespace: string;
    serviceAccount: string;
    caFile: string;
    dir: string;
    expirationSeconds?: number;
  },
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: options.serviceAccount,
    namespace: options.namespace,
    body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
  });
  const token = request.status?.token;
  if (!token)
    throw new Error(`TokenRequest for ${options.namespace}/${options.serviceAccount} returned no token`);
  mkdirSync(options.dir, { recursive: true, mode: 0o755 });
  writeFileSync(path.join(options.dir, 'token'), token);
  copyFileSync(options.caFile, path.join(options.dir, 'ca.crt'));
  writeFileSync(path.join(options.dir, 'namespace'), options.namespace);
  // A projected ServiceAccount volume's defaultMode (0644): readable by the image's non-root user.
  for (const file of ['token', 'ca.crt', 'namespace']) chmodSync(path.join(options.dir, file), 0o644);
  chmodSync(options.dir, 0o755);
  return options.dir;
}

/** The container's `args` of the generated Deployment (appended to the image's entry point). */
export function deploymentArgs(project: string): string[] {
  const docs = loadAllYaml(readFileSync(path.join(project, 'deploy/deployment.yaml'), 'utf8')) as Array<{
    kind?: string;
    spec?: { template?: { spec?: { containers?: Array<{ args?: string[] }> } } };
  } | null>;
  const deployment = docs.find((doc) => doc?.kind === 'Deployment');
  return deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
}

/** A running operator image (run-operator-image.sh in the background). */
export interface RunningOperator {
  /** `container` (podman run) or `chroot` (the image's file system, entered with chroot). */
  mode: Promise<'container' | 'chroot'>;
  /** Every line the operator (and the script) printed so far. */
  lines: string[];
  /** Resolves with the first line that matches, or rejects when the operator exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then wait for the exit (SIGKILL and `podman rm -f` after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  child: ChildProcess;
}

/**
 * Marks what one test run starts (its container, or its operator process in chroot mode) with the
 * purpose and the pid of the process that owns the run, so that a later run can tell the leftovers of
 * an interrupted run (owner gone) from the live runs of others on the same machine (owner alive).
 */
export interface RunMarker {
  purpose: string;
  owner: number;
}

const PURPOSE_LABEL = 'kopf-ts-test';
const OWNER_LABEL = 'kopf-ts-test-owner';
/** run-operator-image.sh exports each --label KEY=VALUE to the operator as this variable. */
const labelVariable = (key: string): string => `KOPF_TS_RUN_LABEL_${key.replace(/[^A-Za-z0-9_]/g, '_')}`;

function markerLabels(marker: RunMarker): string[] {
  return [`${PURPOSE_LABEL}=${marker.purpose}`, `${OWNER_LABEL}=${marker.owner}`];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove what interrupted earlier runs for `purpose` left behind: containers (`podman rm -f`) and
 * operator processes of chroot mode (SIGKILL), whose owner is gone; with the working containers of
 * chroot mode whose name starts with `namePrefix`. Another run's live operator is left alone. Returns
 * one line per thing removed.
 */
export function removeLeftovers(purpose: string, namePrefix: string): string[] {
  const removed: string[] = [];
  const listed = spawnSync(
    'podman',
    [
      'ps',
      '--all',
      '--filter',
      `label=${PURPOSE_LABEL}=${purpose}`,
      '--format',
      `{{.Names}}\t{{index .Labels "${OWNER_LABEL}"}}`,
    ],
    { encoding: 'utf8' },
  );
  for (const line of (listed.stdout ?? '').split('\n').filter(Boolean)) {
    const [name, owner] = line.split('\t');
    if (!name || isAlive(Number(owner))) continue;
    spawnSync('podman', ['rm', '--force', '--time', '0', name], { stdio: 'ignore' });
    removed.push(`container ${name} (its run, pid ${owner}, is gone)`);
  }
  const purposeVariable = `${labelVariable(PURPOSE_LABEL)}=${purpose}`;
  const ownerVariable = `${labelVariable(OWNER_LABEL)}=`;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    let environment: string[];
    try {
      environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (!environment.includes(purposeVariable)) continue;
    const owner = Number(
      environment.find((entry) => entry.startsWith(ownerVariable))?.slice(ownerVariable.length),
    );
    if (isAlive(owner)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
      removed.push(`operator process ${pid} (its run, pid ${owner}, is gone)`);
    } catch {
      // exited meanwhile
    }
  }
  const working = spawnSync('buildah', ['containers', '--format', '{{.ContainerName}}'], {
    encoding: 'utf8',
  });
  for (const name of (working.stdout ?? '').split('\n').filter((n) => n.startsWith(namePrefix))) {
    // Named `${namePrefix}${owner}-...` by the image test.
    const owner = Number(/^(\d+)-/.exec(name.slice(namePrefix.length))?.[1]);
    if (isAlive(owner)) continue;
    spawnSync('buildah', ['rm', name], { stdio: 'ignore' });
    removed.push(`working container ${name}`);
  }
  return removed;
}

export function runOperatorImage(options: {
  image: string;
  serviceAccountDir: string;
  apiserverUrl: string;
  args?: string[];
  mode?: 'auto' | 'container' | 'chroot';
  name: string;
  /** Marks the run for removeLeftovers(). */
  marker?: RunMarker;
  /** Serve the image's liveness endpoint on this port instead of the entry point's (host network). */
  livenessPort?: number;
  onLine?: (line: string) => void;
}): RunningOperator {
  const child = spawn(
    'bash',
    [
      path.join(IMAGE_SCRIPTS, 'run-operator-image.sh'),
      '--mode',
      options.mode ?? 'auto',
      '--name',
      options.name,
      ...(options.marker ? markerLabels(options.marker).flatMap((label) => ['--label', label]) : []),
      ...(options.livenessPort !== undefined ? ['--liveness-port', String(options.livenessPort)] : []),
      options.image,
      options.serviceAccountDir,
      options.apiserverUrl,
      ...(options.args ?? []),
    ],
    { env: withRepoNode(process.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let exited: number | null | undefined;
  const exitWaiters: Array<(code: number | null) => void> = [];
  let resolveMode!: (mode: 'container' | 'chroot') => void;
  let rejectMode!: (error: Error) => void;
  const mode = new Promise<'container' | 'chroot'>((resolve, reject) => {
    resolveMode = resolve;
    rejectMode = reject;
  });
  mode.catch(() => undefined);
  const onLine = (line: string): void => {
    lines.push(line);
    options.onLine?.(line);
    const modeMatch = /^\[run-operator-image\] mode: (container|chroot)$/.exec(line);
    if (modeMatch) resolveMode(modeMatch[1] as 'container' | 'chroot');
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  child.on('exit', (code) => {
    exited = code;
    rejectMode(
      new Error(`run-operator-image.sh exited with ${code} before saying its mode:\n${lines.join('\n')}`),
    );
    for (const resolve of exitWaiters.splice(0)) resolve(code);
  });
  const exit = (): Promise<number | null> =>
    exited !== undefined ? Promise.resolve(exited) : new Promise((resolve) => exitWaiters.push(resolve));

  return {
    mode,
    lines,
    child,
    waitForLine(pattern, timeoutMs = 60_000) {
      const already = lines.find((line) => pattern.test(line));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve: (line: string) => (clearTimeout(timer), resolve(line)) };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.slice(-40).join('\n')}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
        void exit().then((code) => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(
            new Error(
              `the operator exited with ${code} before printing ${pattern}; output:\n${lines.slice(-40).join('\n')}`,
            ),
          );
        });
      });
    },
    async stop(graceMs = 30_000) {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        // The container (container mode) or the working container of the file system (chroot mode).
        spawnSync('podman', ['rm', '-f', options.name], { stdio: 'ignore' });
        spawnSync('buildah', ['rm', options.name], { stdio: 'ignore' });
      }, graceMs);
      const code = await exit();
      clearTimeout(timer);
      return code;
    },
  };
}
