/**
 * The Dockerfile kopf-gen emits is real: generate the operator project from crds/, build its image from
 * that Dockerfile with buildah (base image made locally: no image registry is reachable here), run the
 * image under the generated ServiceAccount's identity (token mounted where Kubernetes mounts it, the
 * Deployment's args), and watch it handle a KopfExample through create and delete.
 *
 * Runs in a container (podman) when this machine can run containers, else from the image's file system
 * with chroot (KOPF_TS_IMAGE_MODE=container|chroot forces one); the mode is printed. The first run on a
 * machine makes the base image (~1.5 min, mostly debootstrap); later runs reuse it, and the whole file
 * takes well under a minute.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi, loadYaml, type KubeConfig } from '@kubernetes/client-node';
import {
  applyYamlFile,
  eventually,
  freshNamespace,
  waitForCrd,
  type TestNamespace,
} from '../../runtime/testing/index.ts';
import { testCluster } from '../setup/cluster.ts';
import { freePort } from '../setup/ports.ts';
import {
  REPO,
  buildOperatorImage,
  deploymentArgs,
  generateProject,
  imageSize,
  removeLeftovers,
  runOperatorImage,
  runScript,
  writeServiceAccountDir,
  type RunningOperator,
} from '../image/operator-image.ts';

const PROJECT_NAME = 'kopf-image-e2e';
const TAG = `localhost/${PROJECT_NAME}:latest`;
const MODE = (process.env.KOPF_TS_IMAGE_MODE ?? 'auto') as 'auto' | 'container' | 'chroot';
const kopfExamples = { group: 'kopf.dev', version: 'v1', plural: 'kopfexamples' } as const;

type KopfExample = {
  metadata: { name: string; finalizers?: string[]; deletionTimestamp?: string };
  status?: Record<string, unknown>;
};

const say = (message: string): void => console.log(`[image-operator] ${message}`);

/**
 * Building images needs root (debootstrap, chroot, buildah's storage) and buildah/podman/debootstrap
 * (installed with apt-get when missing). Elsewhere the test is skipped, saying why;
 * KOPF_TS_IMAGE_E2E=1 runs it regardless (and fails if it cannot), KOPF_TS_IMAGE_E2E=0 skips it.
 */
function skipReason(): string | undefined {
  const wanted = process.env.KOPF_TS_IMAGE_E2E;
  if (wanted === '0') return 'KOPF_TS_IMAGE_E2E=0';
  if (wanted === '1') return undefined;
  if (process.getuid?.() !== 0) return 'not root (debootstrap, chroot and buildah storage need root)';
  const has = (command: string): boolean =>
    spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
  if (!(has('buildah') && has('podman') && has('debootstrap')) && !has('apt-get')) {
    return 'no buildah/podman/debootstrap and no apt-get to install them';
  }
  return undefined;
}
const SKIP = skipReason();
if (SKIP) console.log(`[image-operator] skipped: ${SKIP}`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

describe.skipIf(SKIP !== undefined)('the operator image built from the generated Dockerfile', () => {
  let cluster: ReturnType<typeof testCluster>;
  let kc: KubeConfig;
  let ns: TestNamespace;
  let workdir: string;
  let project: string;
  let operator: RunningOperator | undefined;
  let operatorStarted = 0;
  let livenessPort = 0;

  beforeAll(async () => {
    cluster = testCluster();
    kc = cluster.kubeConfig();
    ns = await freshNamespace(kc, 'image');
    workdir = mkdtempSync(path.join(os.tmpdir(), 'kopf-ts-image-'));
    project = path.join(workdir, PROJECT_NAME);

    // The generated project, serving the test's namespace only (Role + RoleBinding there), so that
    // it cannot touch other tests' objects in the shared cluster.
    generateProject(path.join(REPO, 'crds'), project, { namespace: ns.name });
    const dockerfile = readFileSync(path.join(project, 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/gim)];
    const stages = new Set(froms.map((m) => m[2]?.toLowerCase()));
    const bases = [...new Set(froms.map((m) => m[1]!).filter((image) => !stages.has(image.toLowerCase())))];
    say(`generated ${project}; Dockerfile FROM ${bases.join(', ')}`);

    // build-operator-image.sh makes the base images too; made here first to time them apart.
    let began = Date.now();
    await runScript('make-base-image.sh', bases, (line) => say(line));
    say(`base image ready in ${seconds(Date.now() - began)}`);

    began = Date.now();
    const id = await buildOperatorImage(project, TAG, (line) => {
      if (/^\[|^\S*STEP|^added|^Error|warn/i.test(line)) say(line);
    });
    say(
      `operator image ${TAG} (${id.slice(0, 12)}) built in ${seconds(Date.now() - began)}, ${(imageSize(TAG) / 1e6).toFixed(0)} MB`,
    );

    // What `kubectl apply -f deploy/` does, minus the Deployment (the image is run below instead).
    await applyYamlFile(kc, path.join(project, 'deploy/crds.yaml'));
    if (existsSync(path.join(project, 'deploy/peering.yaml')))
      await applyYamlFile(kc, path.join(project, 'deploy/peering.yaml'));
    await waitForCrd(kc, 'kopfexamples.kopf.dev');
    if (existsSync(path.join(project, 'deploy/peering-objects.yaml'))) {
      await waitForCrd(kc, 'kopfpeerings.kopf.dev');
      await applyYamlFile(kc, path.join(project, 'deploy/peering-objects.yaml'));
    }
    await applyYamlFile(kc, path.join(project, 'deploy/rbac.yaml'));

    const serviceAccountDir = await writeServiceAccountDir(kc, {
      namespace: ns.name,
      serviceAccount: PROJECT_NAME,
      caFile: cluster.ca,
      dir: path.join(workdir, 'serviceaccount'),
    });

    // An interrupted earlier run (a killed test process) can leave its operator running, holding its
    // port and watching a namespace long gone. Those of runs still in progress elsewhere stay.
    for (const leftover of removeLeftovers(PROJECT_NAME, `${PROJECT_NAME}-`))
      say(`removed a leftover of an interrupted run: ${leftover}`);

    // The operator shares the host's network (it reaches the API server on loopback), where the image's
    // port 8080 may be taken: its liveness endpoint gets a port free here; its args stay the Deployment's.
    livenessPort = await freePort();
    operatorStarted = Date.now();
    operator = runOperatorImage({
      image: TAG,
      serviceAccountDir,
      apiserverUrl: cluster.url,
      args: deploymentArgs(project),
      mode: MODE,
      name: `${PROJECT_NAME}-${process.pid}-${ns.name}`,
      marker: { purpose: PROJECT_NAME, owner: process.pid },
      livenessPort,
      onLine: (line) => say(`| ${line}`),
    });
    const mode = await operator.mode;
    say(
      `MODE: ${mode === 'container' ? 'container (podman run)' : 'chroot (the image file system, no container runtime)'}`,
    );
  }, 15 * 60_000);

  afterAll(async () => {
    // Normally stopped by the last test already; this is for failures on the way.
    await operator?.stop();
    await ns?.delete();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  }, 120_000);

  it('is what the generated Deployment runs (the API server accepts deploy/deployment.yaml as is)', async () => {
    // Server-side apply rejects fields the schema does not declare. This cluster has no Deployment
    // controller, so no Pod is made: the manifest is only validated and stored.
    const [stored] = (await applyYamlFile(kc, path.join(project, 'deploy/deployment.yaml'))) as Array<{
      metadata?: { namespace?: string };
      spec?: {
        template?: {
          spec?: {
            serviceAccountName?: string;
            containers?: Array<{
              image?: string;
              args?: string[];
              ports?: Array<{ name?: string; containerPort?: number }>;
              livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
              securityContext?: { readOnlyRootFilesystem?: boolean };
            }>;
          };
        };
      };
    }>;
    const pod = stored?.spec?.template?.spec;
    expect(stored?.metadata?.namespace).toBe(ns.name);
    expect(pod?.serviceAccountName).toBe(PROJECT_NAME); // whose token the image was run with
    expect(pod?.containers?.[0]?.image).toBe(`${PROJECT_NAME}:latest`); // the tag built (localhost/ is podman's prefix)
    expect(pod?.containers?.[0]?.args).toEqual(deploymentArgs(project)); // the args it was run with
    expect(pod?.containers?.[0]?.securityContext?.readOnlyRootFilesystem).toBe(true); // it ran read-only
    // The probe asks the port and path the image's entry point serves (run below on a free port instead).
    const entryPoint = /^ENTRYPOINT (.*)$/m.exec(readFileSync(path.join(project, 'Dockerfile'), 'utf8'))?.[1];
    const liveness = new URL(
      (JSON.parse(entryPoint ?? '[]') as string[]).find((arg) => arg.startsWith('http://')) ?? '',
    );
    expect(pod?.containers?.[0]?.livenessProbe?.httpGet).toMatchObject({
      path: liveness.pathname,
      port: 'health',
    });
    expect(pod?.containers?.[0]?.ports).toMatchObject([
      { name: 'health', containerPort: Number(liveness.port) },
    ]);
  });

  it('starts and answers its liveness probe', async () => {
    await eventually(
      () => httpStatus(`http://127.0.0.1:${livenessPort}/healthz`).then((status) => status === 200),
      {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: 'the liveness endpoint of the operator in the image to answer 200',
      },
    );
    say(`liveness probe answered 200 ${seconds(Date.now() - operatorStarted)} after the start`);
  }, 90_000);

  it('handles a KopfExample: create handler result in status, finalizer released on delete', async () => {
    const objects = kc.makeApiClient(CustomObjectsApi);
    const body = loadYaml(readFileSync(path.join(REPO, 'examples/obj.yaml'), 'utf8')) as KopfExample;
    const name = body.metadata.name;
    const created = Date.now();
    await objects.createNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, body });

    const handled = await eventually(
      async () => {
        const obj = (await objects.getNamespacedCustomObject({
          ...kopfExamples,
          namespace: ns.name,
          name,
        })) as KopfExample;
        return obj.status?.['createKopfExample'] !== undefined ? obj : undefined;
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: 'status.createKopfExample written by the operator in the image',
      },
    );
    expect(handled.status?.['createKopfExample']).toEqual({ message: `created ${name}` });
    expect(handled.metadata.finalizers ?? []).not.toHaveLength(0);
    say(
      `first object handled ${seconds(Date.now() - created)} after its creation, ` +
        `${seconds(Date.now() - operatorStarted)} after the operator was started`,
    );

    await objects.deleteNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, name });
    await eventually(
      async () => {
        try {
          await objects.getNamespacedCustomObject({ ...kopfExamples, namespace: ns.name, name });
          return false;
        } catch (error) {
          return (error as { code?: number }).code === 404;
        }
      },
      {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: 'the KopfExample to be gone (the finalizer released by the delete handler)',
      },
    );
    // The operator's own word that the delete handler ran (Kopf's log line), not only the finalizer gone.
    await operator!.waitForLine(/Handler 'deleteKopfExample' succeeded/, 10_000);
    say('object deleted: the delete handler ran and released the finalizer');
  }, 200_000);

  it('stops on SIGTERM', async () => {
    const code = await operator!.stop();
    say(`operator exited with ${code} after SIGTERM`);
    // Not asserted here (the runtime's own tests own handler semantics), but worth seeing: Kopf runs a
    // delete handler once per deletion.
    const deletes = operator!.lines.filter((line) =>
      /Handler 'deleteKopfExample' succeeded/.test(line),
    ).length;
    say(`the delete handler ran ${deletes} time(s)${deletes > 1 ? ' -- Kopf would run it once' : ''}`);
    expect(code).toBe(0);
  }, 60_000);
});

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}
