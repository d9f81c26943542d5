/**
 * `npm run demo`: the whole journey in one command, on the bundled crds/.
 *
 *   1. kopf-gen crds/ → generated-operator/ (types, descriptors, handler stubs, deploy/)
 *   2. a Kubernetes API server: $KUBECONFIG's cluster if given, else the bundled local one
 *   3. apply the generated CRDs, run the generated operator with `kopf run`
 *   4. create an example object, show it handled (status, events), delete it, show the finalizer released
 *
 * Exits 0 when every step worked; otherwise names the step that failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import {
  applyYamlFile,
  eventually,
  freshNamespace,
  startLocalCluster,
  waitForCrd,
  type LocalCluster,
} from '../runtime/testing/index.ts';

const root = path.resolve(import.meta.dirname, '..');
const project = path.join(root, 'generated-operator');
const example = { group: 'kopf.dev', version: 'v1', plural: 'kopfexamples' } as const;

function step(message: string): void {
  console.log(`\n\x1b[1m==> ${message}\x1b[0m`);
}

function run(command: string, args: string[], options: { cwd?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: options.cwd ?? root });
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function startOperator(kubeconfig: string): { child: ChildProcess; lines: string[] } {
  const lines: string[] = [];
  const child = spawn(
    process.execPath,
    [
      path.join(root, 'bin', 'kopf.js'),
      'run',
      '--standalone',
      '--all-namespaces',
      path.join(project, 'src', 'operator.ts'),
    ],
    { cwd: project, env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      console.log(`  operator | ${line}`);
    });
  }
  return { child, lines };
}

async function stopOperator(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

async function main(): Promise<void> {
  step('kopf-gen crds/ -o generated-operator/');
  rmSync(project, { recursive: true, force: true });
  await run(process.execPath, [
    path.join(root, 'bin', 'kopf-gen.js'),
    'crds/',
    '-o',
    project,
    '--kopf-ts',
    'file:..',
  ]);
  // The generated project depends on kopf-ts; here that is this very checkout.
  mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  symlinkSync(root, path.join(project, 'node_modules', 'kopf-ts'), 'dir');

  let cluster: LocalCluster | undefined;
  let kubeconfig = process.env.KUBECONFIG;
  if (kubeconfig) {
    step(`using the cluster of KUBECONFIG=${kubeconfig}`);
  } else {
    step('starting the bundled local Kubernetes API server (the first time builds it: 6-20 minutes)');
    cluster = await startLocalCluster();
    kubeconfig = cluster.kubeconfig;
    console.log(
      `  kube-apiserver ${cluster.kubernetesVersion} at ${cluster.url}, ready in ${cluster.startupMillis} ms`,
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);

  let operator: ReturnType<typeof startOperator> | undefined;
  try {
    step('kubectl apply -f generated-operator/deploy/crds.yaml');
    await applyYamlFile(kc, path.join(project, 'deploy', 'crds.yaml'));
    await waitForCrd(kc, 'kopfexamples.kopf.dev');
    console.log('  CRDs established');

    step('kopf run --standalone --all-namespaces src/operator.ts');
    operator = startOperator(kubeconfig);
    const namespace = await freshNamespace(kc, 'kopf-demo');
    const objects = kc.makeApiClient(CustomObjectsApi);

    step(`create KopfExample kopf-example-1 in namespace ${namespace.name}`);
    const body = load(readFileSync(path.join(root, 'examples', 'obj.yaml'), 'utf8')) as {
      metadata: { name: string };
    };
    await objects.createNamespacedCustomObject({ ...example, namespace: namespace.name, body });
    const handled = await eventually(
      async () => {
        const object = (await objects.getNamespacedCustomObject({
          ...example,
          namespace: namespace.name,
          name: body.metadata.name,
        })) as {
          status?: Record<string, unknown>;
          metadata: { finalizers?: string[] };
        };
        return object.status && Object.keys(object.status).length > 0 ? object : undefined;
      },
      { timeoutMs: 60_000, what: 'the create handler to write its result into status' },
    );
    console.log(`  status: ${JSON.stringify(handled.status)}`);
    console.log(`  finalizers: ${JSON.stringify(handled.metadata.finalizers ?? [])}`);

    // Events are posted in the background by the operator; give them a moment to arrive.
    const events = await eventually(
      async () => {
        const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: namespace.name });
        return list.items.length > 0 ? list.items : undefined;
      },
      { timeoutMs: 20_000, what: 'the Event the create handler posts' },
    );
    for (const event of events) {
      console.log(`  event: ${event.type} ${event.reason}: ${event.message}`);
    }

    step(`delete KopfExample ${body.metadata.name}`);
    await objects.deleteNamespacedCustomObject({
      ...example,
      namespace: namespace.name,
      name: body.metadata.name,
    });
    await eventually(
      async () =>
        objects
          .getNamespacedCustomObject({ ...example, namespace: namespace.name, name: body.metadata.name })
          .then(
            () => false,
            (error: { code?: number }) => error.code === 404,
          ),
      { timeoutMs: 60_000, what: 'the delete handler to run and the finalizer to be released' },
    );
    console.log('  the delete handler ran, the finalizer was released, the object is gone');
    await namespace.delete();

    step('stop the operator (SIGTERM)');
    const code = await stopOperator(operator.child);
    if (code !== 0) throw new Error(`the operator exited with ${code}`);
    console.log('  the operator stopped cleanly');
  } finally {
    if (operator) await stopOperator(operator.child);
    await cluster?.stop();
  }
  step('demo complete: generated, ran, handled, deleted — see generated-operator/ for the project');
}

if (!existsSync(path.join(root, 'dist', 'runtime', 'index.js'))) {
  console.error('dist/ is missing: run `npm install` (it builds kopf-ts) first');
  process.exit(1);
}
main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
