/** `kopf.run()`: an embedded operator stops gracefully on SIGINT/SIGTERM. */
import { KubeConfig } from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import * as kopf from '../../runtime/index.ts';

kopf.configureLogging({ write: () => undefined });

test('run() resolves after SIGTERM, running the cleanup handlers, and removes its signal listeners', async () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const registry = new kopf.Registry();
  let cleaned = false;
  kopf.on.cleanup(() => void (cleaned = true), { registry, id: 'cleanup' });
  const listeners = process.listenerCount('SIGTERM');
  const running = kopf.run({ registry, kubeConfig, clusterwide: true });
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(process.listenerCount('SIGTERM')).toBe(listeners + 1);
  process.emit('SIGTERM');
  await running;
  expect(cleaned).toBe(true);
  expect(process.listenerCount('SIGTERM')).toBe(listeners);
});
