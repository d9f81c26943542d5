/**
 * 13-hooks: operator-level activities — startup handlers (one retried until it succeeds),
 * a cleanup handler, a login handler that provides the credentials (here: from the kubeconfig, as
 * `kopf.login_via_client` does in Kopf), a probe for the liveness endpoint (`--liveness`), and an
 * event handler on pods that keeps some in-memory state the probe reports.
 */
import { KubeConfig } from '@kubernetes/client-node';
import * as kopf from 'kopf-ts';

/** namespace/name of the pods seen (the probe reports how many). */
const podsSeen = new Set<string>();

kopf.on.startup(async function startupFnSimple({ logger }) {
  logger.info('Starting in 1s...');
  await new Promise((resolve) => setTimeout(resolve, 1000));
});

kopf.on.startup(function startupFnRetried({ retry, logger }) {
  if (retry < 3) throw new kopf.TemporaryError(`Going to succeed in ${3 - retry}s`, { delay: 1 });
  logger.info('Starting retried...');
});

kopf.on.cleanup(async function cleanupFn({ logger }) {
  logger.info('Cleaning up in 1s...');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  logger.info('Cleaned up.');
});

kopf.on.login(function loginFn({ logger }): kopf.ConnectionInfo {
  // The current context of $KUBECONFIG (or the in-cluster service account), as login info.
  const config = new KubeConfig();
  config.loadFromDefault();
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  if (!cluster) throw new kopf.PermanentError('No cluster in the kubeconfig.');
  logger.info(`Logging in to ${cluster.server} as ${user?.name ?? 'nobody'}.`);
  return {
    server: cluster.server,
    ...(cluster.caData ? { caData: cluster.caData } : {}),
    ...(cluster.caFile ? { caPath: cluster.caFile } : {}),
    ...(cluster.skipTLSVerify ? { insecure: true } : {}),
    ...(user?.token ? { token: user.token } : {}),
    ...(user?.certData ? { certificateData: user.certData } : {}),
    ...(user?.certFile ? { certificatePath: user.certFile } : {}),
    ...(user?.keyData ? { privateKeyData: user.keyData } : {}),
    ...(user?.keyFile ? { privateKeyPath: user.keyFile } : {}),
    expiration: new Date(Date.now() + 3600_000),
  };
});

kopf.on.probe(function podsCount() {
  return podsSeen.size;
});

kopf.on.event('pods', function podEvent({ type, namespace, name, logger }) {
  const key = `${namespace}/${name}`;
  if (type === 'DELETED') podsSeen.delete(key);
  else podsSeen.add(key);
  logger.info(`Pod event ${type ?? 'LISTED'}: ${podsSeen.size} pod(s) in sight.`);
});

// Marks for the e2e test: it creates and deletes a pod instead of a KopfExample.
export const E2E_OBJECT = {
  file: 'examples/10-builtins/pod.yaml',
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'kopf-example-pod',
};
export const E2E_CREATION_STOP_WORDS = ['1 pod(s) in sight.'];
export const E2E_DELETION_STOP_WORDS = ['Pod event DELETED: 0 pod(s) in sight.'];
export const E2E_CLEANUP_STOP_WORDS = ['Cleaned up.'];
export const E2E_SUCCESS_COUNTS = { startupFnSimple: 1, startupFnRetried: 1, cleanupFn: 1, loginFn: 1 };
// The e2e test runs it with --liveness and expects the probe to count the one pod.
export const E2E_PROBES = { podsCount: 1 };
