/**
 * `kopf.run()` and the one stop path it shares with `kopf run`: the first SIGTERM/SIGINT stops
 * gracefully, a second one exits at once, and a hung stop ends after
 * `settings.process.ultimateExitingTimeout` — the value a startup handler set, not the default.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, expect, test, vi } from 'vitest';
import * as kopf from '../../runtime/index.ts';
import { handleStopSignals } from '../../runtime/reactor/signals.ts';

kopf.configureLogging({ write: () => undefined });

/** A cluster nobody answers at: the operators here serve no resources, so they never call it. */
function unreachableCluster(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kubeConfig;
}

test('run() resolves after SIGTERM, running the cleanup handlers, and removes its signal listeners', async () => {
  const kubeConfig = unreachableCluster();
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

/** process.exit, recorded instead of exiting the test runner. */
function recordExits(): number[] {
  const codes: number[] = [];
  vi.spyOn(process, 'exit').mockImplementation((code?: number | string | null) => {
    codes.push(Number(code));
    return undefined as never;
  });
  return codes;
}

afterEach(() => {
  vi.restoreAllMocks();
});

test('the first SIGTERM aborts the signal; a second one exits at once', () => {
  const exits = recordExits();
  const stop = handleStopSignals(() => undefined);
  try {
    process.emit('SIGTERM');
    expect(stop.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    process.emit('SIGTERM');
    expect(exits).toEqual([143]);
  } finally {
    stop.dispose();
  }
});

test('kopf.run(): a stop that hangs ends by the ultimate timeout a startup handler set', async () => {
  const exits = recordExits();
  const kubeConfig = unreachableCluster();
  const registry = new kopf.Registry();
  kopf.on.startup(({ settings }) => void (settings.process.ultimateExitingTimeout = 0.05), {
    registry,
    id: 'configure',
  });
  // Serving has started (past the startup handlers and the login): a stop now has to wind down.
  let serving = false;
  const unlisten = kopf.addLogListener((record) => {
    if (record.message.startsWith('No resources are served')) serving = true;
  });
  const hang = new AbortController();
  kopf.on.cleanup(() => new Promise((resolve) => hang.signal.addEventListener('abort', resolve)), {
    registry,
    id: 'hangs',
  });
  const running = kopf.run({ registry, kubeConfig, clusterwide: true });
  await vi.waitFor(() => expect(serving).toBe(true));
  unlisten();
  process.emit('SIGTERM');
  await vi.waitFor(() => expect(exits).toEqual([1]), { timeout: 5000 });
  hang.abort();
  await running;
});

test('bad settings stop the start with every problem listed, also those a startup handler set', async () => {
  const registry = new kopf.Registry();
  kopf.on.startup(
    ({ settings }) => {
      settings.execution.lifecycle = 'one_by_one' as never; // Kopf's spelling, not ours
      settings.queueing.workerLimit = 0;
    },
    { registry, id: 'configure' },
  );
  const settings = { persistence: { diffbaseStorage: 'Status' as never } };
  const started = kopf.operator({ registry, settings, kubeConfig: unreachableCluster(), clusterwide: true });
  await expect(started).rejects.toThrow(
    [
      'The operator settings are invalid:',
      '  - settings.queueing.workerLimit is 0: must be a whole number ≥ 1, or undefined',
      "  - settings.execution.lifecycle is 'one_by_one': must be 'asap', 'all-at-once', 'one-by-one', 'randomized', 'shuffled' or a function",
      "  - settings.persistence.diffbaseStorage is 'Status': must be 'annotations', 'status', or a non-empty list of them",
    ].join('\n'),
  );
});
