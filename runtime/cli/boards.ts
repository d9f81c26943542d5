/** `kopf freeze` and `kopf resume`: one write to the peering boards, then exit. */
import { describeError } from '../structs/errors.ts';
import { configureLogging } from '../structs/logging.ts';
import { defaultSettings } from '../structs/settings.ts';
import type { BoardOptions } from './options.ts';

/** Run `kopf freeze`/`kopf resume`; resolves with the exit code (1 names what is missing). */
export async function board(command: 'freeze' | 'resume', options: BoardOptions): Promise<number> {
  configureLogging({ level: 'info', format: 'full', prefix: false });
  // Loaded only now, as for `kopf run`: parsing and --help stay instant.
  const { loadKubeConfig } = await import('../client/kubeconfig.ts');
  const { createApiClient } = await import('../client/api.ts');
  const { touchBoards } = await import('../reactor/peering/freezing.ts');
  const { peeringIdentity } = await import('../reactor/peering/identity.ts');
  const settings = defaultSettings();
  settings.peering.name = options.peering;
  settings.peering.priority = options.priority;
  let client: ReturnType<typeof createApiClient> | undefined;
  try {
    client = createApiClient(loadKubeConfig(), settings);
    const lines = await touchBoards({
      client,
      settings,
      identity: options.id ?? peeringIdentity({ manual: true }),
      namespaces: options.allNamespaces || !options.namespaces.length ? undefined : options.namespaces,
      lifetime: options.lifetime,
    });
    const why = options.message ? ` (${options.message})` : '';
    for (const line of lines) process.stdout.write(`${line}${why}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`kopf ${command}: ${describeError(error)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}
