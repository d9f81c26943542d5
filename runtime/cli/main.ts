/**
 * `kopf` — the command line: `kopf run [FILES...] [-m MODULE...] [-n PATTERN... | -A] ...`.
 * Runs from the built package (bin/kopf.js) or straight from source: `node runtime/cli/main.ts run ...`.
 */
import type { KubeConfigLike } from '../client/kubeconfig.ts';
import { describeError } from '../structs/errors.ts';
import { configureLogging, getLogger, type LogLevel } from '../structs/logging.ts';
import type { SettingsOverrides } from '../structs/settings.ts';
import { SettingsError } from '../structs/settings-checks.ts';
import { describeLoadingFailure, LoadingError, loadHandlers } from './loading.ts';
import { parseCommandLine, type RunOptions } from './options.ts';

/** Run the `kopf` command line; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = await parseCommandLine(argv);
  if (parsed.command === 'exit') {
    if (parsed.output) (parsed.code === 0 ? process.stdout : process.stderr).write(parsed.output + '\n');
    return parsed.code;
  }
  if (parsed.command !== 'run') return (await import('./boards.ts')).board(parsed.command, parsed.options);
  if (parsed.options.reload) {
    const { runWithReload } = await import('./reload.ts');
    configureCliLogging(parsed.options);
    return runWithReload(argv, parsed.options);
  }
  return run(parsed.options);
}

/** `kopf run`: load the handlers, then run the operator until SIGTERM/SIGINT. */
export async function run(options: RunOptions): Promise<number> {
  configureCliLogging(options);
  const logger = getLogger('kopf.cli');
  if (process.channel) (await import('./reload.ts')).followSupervisor();
  if (!options.allNamespaces && options.namespaces.length === 0) {
    logger.warning(
      'Neither --namespace nor --all-namespaces is specified: serving all namespaces cluster-wide. ' +
        'Use -A/--all-namespaces to say so explicitly.',
    );
  }

  // Everything that can fail because of the user's files fails here, before connecting anywhere.
  try {
    await loadHandlers(options.files, options.modules);
  } catch (error) {
    if (!(error instanceof LoadingError)) throw error;
    process.stderr.write(`kopf: failed to load ${error.target}:\n${describeLoadingFailure(error)}\n`);
    return 1;
  }

  // The runtime is loaded only now: `kopf --version` stays instant.
  const { loadKubeConfig } = await import('../client/kubeconfig.ts');
  let kubeConfig: KubeConfigLike;
  try {
    kubeConfig = loadKubeConfig();
  } catch (error) {
    process.stderr.write(`kopf: cannot load the kubeconfig: ${describeError(error)}\n`);
    return 1;
  }

  const { runUntilSignalled } = await import('../reactor/signals.ts');
  const end = await runUntilSignalled({
    namespaces: options.namespaces,
    liveness: options.liveness,
    clusterwide: options.allNamespaces || options.namespaces.length === 0,
    identity: options.id,
    settings: { ...settingsFrom(options), ...(await admissionSettings(options)) },
    kubeConfig,
  });
  if (end.failed && end.error instanceof SettingsError)
    logger.error(`The operator failed: ${end.error.message}`);
  else if (end.failed) logger.exception('The operator failed', end.error);
  const code = end.failed ? 1 : 0;
  if (end.signalled) exitSoon(code);
  return code;
}

/**
 * After a stop by SIGTERM/SIGINT, the process must end even if a user's timer or socket keeps the
 * event loop alive. The timer is unref'd: it never delays a process that is exiting anyway.
 */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 1000).unref();
}

function configureCliLogging(options: RunOptions): void {
  configureLogging({
    level: logLevel(options),
    format: options.logFormat,
    prefix: options.logPrefix ?? options.logFormat !== 'json',
  });
}

function logLevel(options: RunOptions): LogLevel {
  if (options.verbose || options.debug) return 'debug';
  if (options.quiet) return 'warning';
  return 'info';
}

/** Settings that follow from flags: peering (a name makes it mandatory, as in Kopf), leader election, sharding. */
function settingsFrom(options: RunOptions): SettingsOverrides {
  const peering: SettingsOverrides['peering'] = { standalone: options.standalone };
  if (options.peering !== undefined) Object.assign(peering, { name: options.peering, mandatory: true });
  if (options.dev) peering.priority = 666;
  else if (options.priority !== undefined) peering.priority = options.priority;
  const scaling: SettingsOverrides['scaling'] = {
    leaderElection: options.leaderElect,
    sharded: options.sharded,
  };
  if (options.leaseName !== undefined) scaling.leaseName = options.leaseName;
  if (options.leaseNamespace !== undefined) scaling.leaseNamespace = options.leaseNamespace;
  return { peering, scaling };
}

/**
 * `--webhook-server`/`--webhook-managed`: the admission settings' defaults (startup handlers may still
 * change them, as in Kopf). The webhook server is imported only when asked for.
 */
async function admissionSettings(options: RunOptions): Promise<SettingsOverrides> {
  if (options.webhookServer === undefined && options.webhookManaged === undefined) return {};
  const { WebhookServer, webhookServerOptions } = await import('../api/admission.ts');
  return {
    admission: {
      ...(options.webhookServer !== undefined
        ? {
            server: new WebhookServer({
              ...webhookServerOptions(options.webhookServer),
              ...(options.webhookCertDir !== undefined ? { certDir: options.webhookCertDir } : {}),
            }),
          }
        : {}),
      ...(options.webhookManaged !== undefined ? { managed: options.webhookManaged } : {}),
    },
  };
}

if (import.meta.main) {
  // The same as bin/kopf.js does with the built code.
  process.exitCode = await main(process.argv.slice(2));
}
