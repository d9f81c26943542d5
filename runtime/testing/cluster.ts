/**
 * A real Kubernetes control plane on loopback for tests: upstream kube-apiserver + etcd (and the
 * garbage-collector/namespace controllers of kube-controller-manager), built from Go modules by
 * `test/cluster/build.sh` and started as one supervised process. RBAC is enforced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ownPackage } from '../../common/package.ts';
import { newClientNodeKubeConfig } from '../client/kubeconfig.ts';

/** What the cluster process prints once /readyz answers; enough to reach it from any process. */
export interface LocalClusterInfo {
  /** The apiserver's URL, e.g. `https://127.0.0.1:41234`. */
  url: string;
  /** Path of the serving CA certificate (PEM). */
  ca: string;
  /** Path of an admin kubeconfig (client certificate in `system:masters`). */
  kubeconfig: string;
  clientCert: string;
  clientKey: string;
  /** The run directory: PKI, etcd data and component logs (`logs/apiserver.log`). */
  dir: string;
  /** The supervisor's pid: SIGUSR1 restarts the apiserver, SIGTERM stops everything. */
  pid: number;
  apiserverPid: number;
  /** Whether the garbage-collector, namespace and serviceaccount controllers run. */
  controllers: boolean;
  /** Milliseconds from process start to a ready apiserver. */
  startupMillis: number;
  kubernetesVersion: string;
}

export interface StartOptions {
  /** Also run the garbage-collector/namespace/serviceaccount controllers (default true). */
  controllers?: boolean;
  /** Where to build/cache the binary (default `~/.cache/kopf-ts`). */
  cacheDir?: string;
  /** Where build progress goes (default: this process's stderr). */
  progress?: (line: string) => void;
}

export interface LocalCluster extends LocalClusterInfo {
  /** A KubeConfig with admin rights, ready for client-node's API classes. */
  kubeConfig(): KubeConfig;
  /** Restart the apiserver alone (same port, same etcd data) and wait until it is ready again. */
  restartApiserver(): Promise<void>;
  /** Stop the control plane and wait for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Build the cluster binary if this machine has not built it yet (10–20 minutes the first time, cached
 * by the hash of the Go module), and return its path.
 */
export async function buildLocalCluster(
  options: Pick<StartOptions, 'cacheDir' | 'progress'> = {},
): Promise<string> {
  const script = path.join(ownPackage().root, 'test', 'cluster', 'build.sh');
  const env = { ...process.env, ...(options.cacheDir ? { KOPF_TS_CACHE: options.cacheDir } : {}) };
  const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const progress = options.progress ?? ((line: string) => process.stderr.write(line + '\n'));
  createInterface({ input: child.stderr }).on('line', progress);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0)
    throw new Error(`building the local cluster failed (${script} exited with ${code}); see the lines above`);
  return out.trim().split('\n').pop() ?? '';
}

/** Start a fresh local control plane (new PKI, empty etcd) and wait until it serves. */
export async function startLocalCluster(options: StartOptions = {}): Promise<LocalCluster> {
  const binary = await buildLocalCluster(options);
  const args = ['--exit-on-stdin-close', `--controllers=${options.controllers ?? true}`];
  // stdin stays open as a lifeline: if this process dies, the cluster sees EOF and shuts down.
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const info = await new Promise<LocalClusterInfo>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as LocalClusterInfo);
      } catch (error) {
        reject(new Error(`unexpected output from ${binary}: ${line} (${String(error)})`));
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`the local cluster exited with ${code} before it was ready:\n${stderr.join('\n')}`)),
    );
  });
  return attach(info, child);
}

/** Connect to a cluster that another process started (e.g. a test runner's global set-up). */
export function attachLocalCluster(info: LocalClusterInfo): LocalCluster {
  return attach(info, undefined);
}

function attach(info: LocalClusterInfo, child: ChildProcess | undefined): LocalCluster {
  return {
    ...info,
    kubeConfig: () => {
      const kc = newClientNodeKubeConfig();
      kc.loadFromFile(info.kubeconfig);
      return kc;
    },
    restartApiserver: () => restartApiserver(info),
    stop: async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      } else if (!child) {
        process.kill(info.pid, 'SIGTERM');
      }
    },
  };
}

function readyz(info: LocalClusterInfo): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      `${info.url}/readyz`,
      {
        ca: readFileSync(info.ca),
        cert: readFileSync(info.clientCert),
        key: readFileSync(info.clientKey),
        timeout: 2000,
      },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('error', () => resolve(false));
    request.on('timeout', () => request.destroy());
  });
}

async function restartApiserver(info: LocalClusterInfo): Promise<void> {
  const restartsFile = path.join(info.dir, 'apiserver-restarts');
  const count = () => (existsSync(restartsFile) ? Number(readFileSync(restartsFile, 'utf8').trim()) : 0);
  const before = count();
  process.kill(info.pid, 'SIGUSR1');
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (count() > before && (await readyz(info))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the apiserver did not come back within 180 s (log: ${info.dir}/logs/apiserver.log)`);
}
