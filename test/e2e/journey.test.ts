/**
 * The newcomer's journey outside this repository, step by step as the README tells it:
 *   npx kopf-gen crds/ -o <tmp>/app        (from the repository)
 *   cd app && npm install && npm test      (the project's own e2e test on the bundled apiserver)
 *   npm start                              (against the bundled apiserver, handling one object)
 * once with the machine's Node first on PATH (Node 20 on our machines: npm and npx run on it) and once
 * with Node 24 first. The project must bring its own Node 24 either way. Each step's time is printed.
 * The operator of `npm start` runs against a local apiserver of its own: it serves all namespaces, so
 * it must not meet the objects of the other e2e files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyYamlFile,
  eventually,
  freshNamespace,
  startLocalCluster,
  waitForCrd,
  type LocalCluster,
} from '../../runtime/testing/index.ts';
import { ROOT, spawnOperator } from './cli-kit.ts';

const STEP_MS = 10 * 60_000;
const say = (message: string): void => console.log(`[journey] ${message}`);

/** The machine's PATH, without this repository's node_modules/.bin that `npm test` put first. */
const MACHINE_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.endsWith(`node_modules${path.sep}.bin`))
  .join(path.delimiter);
const NODE24_PATH = [path.join(ROOT, 'node_modules', '.bin'), MACHINE_PATH].join(path.delimiter);

let cluster: LocalCluster;
let tmp: string;

beforeAll(async () => {
  expect(existsSync(path.join(ROOT, 'dist/generator/cli.js')), 'dist/ is missing: npm run build').toBe(true);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kopf-journey-'));
  cluster = await startLocalCluster({ controllers: false });
}, STEP_MS);

afterAll(async () => {
  await cluster?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function processGroupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a step in `cwd` with the given PATH; prints its time; fails with its output when it fails. */
function step(what: string, command: string, args: string[], cwd: string, PATH: string): string {
  const began = Date.now();
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, PATH, npm_config_audit: 'false', npm_config_fund: 'false' },
    encoding: 'utf8',
  });
  const output = `${result.stdout}${result.stderr}`;
  say(`${what}: ${((Date.now() - began) / 1000).toFixed(1)} s`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${output}`);
  return output;
}

describe.each([
  ['the machine’s Node first on PATH', MACHINE_PATH],
  ['Node 24 first on PATH', NODE24_PATH],
])('the journey with %s', (_name, PATH) => {
  let app: string;
  const nodeVersion = execFileSync('node', ['--version'], {
    env: { ...process.env, PATH },
    encoding: 'utf8',
  }).trim();

  it(
    'npx kopf-gen crds/ -o <tmp>/app, then npm install and npm test in it',
    async () => {
      say(`node on PATH: ${nodeVersion}`);
      app = path.join(mkdtempSync(path.join(tmp, 'run-')), 'app');
      const generated = step(
        'npx kopf-gen crds/ -o app',
        'npx',
        ['kopf-gen', 'crds/', '-o', app],
        ROOT,
        PATH,
      );
      expect(generated).toMatch(/3 CRDs, 4 versions; \d+ files written, 0 removed; 0 warnings/);
      const installed = step('npm install', 'npm', ['install'], app, PATH);
      // npm itself runs on the machine's Node and may warn that kopf-ts needs a newer one (EBADENGINE,
      // explained in the docs); anything else it warns about is a stumble.
      const warnings = installed
        .split('\n')
        .filter((line) => /^npm warn/.test(line) && !/EBADENGINE/.test(line));
      expect(warnings).toEqual([]);
      // The project's npm scripts run on this Node, whatever the machine has.
      expect(
        execFileSync(path.join(app, 'node_modules/.bin/node'), ['--version'], { encoding: 'utf8' }),
      ).toMatch(/^v24\./);
      const tested = step('npm test', 'npm', ['test'], app, PATH);
      expect(tested).toMatch(/# pass 1|ℹ pass 1/);
      expect(tested).toMatch(/# fail 0|ℹ fail 0/);
      expect(tested).not.toMatch(/WARNING|ERROR/);
    },
    STEP_MS,
  );

  it(
    'npm start serves the bundled apiserver and handles one object, and stops cleanly',
    async () => {
      const kc = cluster.kubeConfig();
      await applyYamlFile(kc, path.join(app, 'deploy/crds.yaml'));
      await waitForCrd(kc, 'kopfexamples.kopf.dev');
      const ns = await freshNamespace(kc, 'journey');
      const began = Date.now();
      const operator = spawnOperator(
        'npm',
        ['start'],
        { PATH, KUBECONFIG: cluster.kubeconfig },
        { cwd: app, terminal: true },
      );
      try {
        await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
          group: 'kopf.dev',
          version: 'v1',
          plural: 'kopfexamples',
          namespace: ns.name,
          body: { apiVersion: 'kopf.dev/v1', kind: 'KopfExample', metadata: { name: 'first' }, spec: {} },
        });
        await operator.waitForLine(
          `[${ns.name}/first] Creation is processed: 1 succeeded; 0 failed.`,
          120_000,
        );
        say(`npm start → first object handled: ${((Date.now() - began) / 1000).toFixed(1)} s`);
      } finally {
        // Ctrl+C: npm and the operator both get SIGINT; the operator finishes and exits 0, npm follows.
        expect(await operator.stop()).not.toBe(-1);
        await ns.delete();
      }
      await eventually(() => !processGroupAlive(operator.child.pid!), {
        timeoutMs: 30_000,
        what: 'every process of `npm start` to exit',
      });
      const log = operator.lines.join('\n');
      expect(log).not.toMatch(/\[(WARNING|ERROR) *\]/);
      expect(log).toContain('The operator has stopped.');
    },
    STEP_MS,
  );
});

describe('on a Node older than kopf-ts needs', () => {
  const machineNode = spawnSync('node', ['--version'], {
    env: { ...process.env, PATH: MACHINE_PATH },
    encoding: 'utf8',
  });
  const major = Number(/^v(\d+)/.exec(machineNode.stdout ?? '')?.[1] ?? 'NaN');
  const reason = Number.isNaN(major)
    ? 'there is no node on the machine PATH'
    : major >= 22
      ? `the machine's Node (${machineNode.stdout.trim()}) is new enough`
      : undefined;
  if (reason) console.log(`[journey] skipping the old-Node check: ${reason}`);

  it.skipIf(reason !== undefined)('kopf and kopf-gen say in one line what to install, and exit 1', () => {
    for (const bin of ['kopf.js', 'kopf-gen.js']) {
      const result = spawnSync('node', [path.join(ROOT, 'bin', bin), '--version'], {
        env: { ...process.env, PATH: MACHINE_PATH },
        encoding: 'utf8',
      });
      expect(result.status).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/needs Node >= 22\.19, but this is Node \d+\.\d+\.\d+ .*install Node 24/);
    }
  });
});
