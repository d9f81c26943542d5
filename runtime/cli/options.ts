/**
 * Parsing `kopf run` arguments and `KOPF_RUN_*` environment variables into {@link RunOptions}.
 * Pure (no I/O beyond reading the given env), so it is unit-testable. Command-line values win over
 * the environment, except `-n`, where `KOPF_RUN_NAMESPACE` is appended (as Kopf's legacy variable).
 */
import yargs, { type Argv } from 'yargs';
import { ownPackage } from '../../common/package.ts';
import type { LogFormat } from '../structs/logging.ts';

export interface RunOptions {
  files: string[];
  modules: string[];
  namespaces: string[];
  allNamespaces: boolean;
  standalone: boolean;
  peering: string | undefined;
  priority: number | undefined;
  dev: boolean;
  /** This replica's identity for peering and the Lease (`--id`). */
  id: string | undefined;
  leaderElect: boolean;
  /** Split the objects between replicas: each works on its shard (`--sharded`). */
  sharded: boolean;
  leaseName: string | undefined;
  leaseNamespace: string | undefined;
  liveness: string | undefined;
  /** `https://host:port/path` of a local webhook server (`settings.admission.server`). */
  webhookServer: string | undefined;
  /** The name of the managed webhook configurations (`settings.admission.managed`). */
  webhookManaged: string | undefined;
  /** A mounted TLS Secret for the webhook server (`tls.crt`, `tls.key`, `ca.crt`). */
  webhookCertDir: string | undefined;
  verbose: boolean;
  debug: boolean;
  quiet: boolean;
  logFormat: LogFormat;
  logPrefix: boolean | undefined;
  /** Development: restart the handlers in a supervised child when a handler file changes. */
  reload: boolean;
}

/** `kopf freeze` (lifetime > 0) and `kopf resume` (lifetime 0): a fake peer on the peering boards. */
export interface BoardOptions {
  peering: string;
  /** Seconds; 0 for `resume`. */
  lifetime: number;
  priority: number;
  id: string | undefined;
  message: string | undefined;
  namespaces: string[];
  allNamespaces: boolean;
}

/** The outcome of parsing: a command to run, or text to print and an exit code. */
export type ParsedCommand =
  | { command: 'run'; options: RunOptions }
  | { command: 'freeze' | 'resume'; options: BoardOptions }
  | { command: 'exit'; code: number; output: string };

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on', 'y', 't']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', 'n', 'f', '']);

function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new UsageError(`${name}=${value} is not a boolean (use true/false, 1/0, yes/no)`);
}

/** Multi-value variables are split on whitespace, like click's envvars for multiple options. */
function envList(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(/\s+/).filter(Boolean);
}

function defineRun(y: Argv) {
  return (
    y
      .positional('files', {
        type: 'string',
        array: true,
        describe: 'Handler files (.ts or .js) to load, in order',
      })
      // Repeatable options take one value each (no `array`: that would swallow the files after `-n x`).
      .option('module', {
        alias: 'm',
        type: 'string',
        describe: 'Modules (package names) to import after the files',
      })
      .option('namespace', {
        alias: 'n',
        type: 'string',
        describe: 'Namespace patterns to serve (globs, !negations, commas)',
      })
      .option('all-namespaces', {
        alias: 'A',
        type: 'boolean',
        describe: 'Serve all namespaces with cluster-wide watches',
      })
      .option('standalone', {
        type: 'boolean',
        describe: 'Do not use peering (run alone, no pausing by other operators)',
      })
      .option('peering', { alias: 'P', type: 'string', describe: 'Name of the peering object' })
      .option('priority', { alias: 'p', type: 'number', describe: 'Priority of this operator among peers' })
      .option('dev', { type: 'boolean', describe: 'Development mode: priority 666' })
      .option('id', { type: 'string', describe: 'Identity of this replica (peering, Lease holder)' })
      .option('leader-elect', {
        type: 'boolean',
        describe: 'Only one replica works: the holder of a Lease; the others stand by',
      })
      .option('sharded', {
        type: 'boolean',
        describe: 'Every replica works on its own share of the objects (membership Leases, a hash ring)',
      })
      .option('lease-name', {
        type: 'string',
        describe: 'Name of the Lease (default: kopf-leader-<peering>)',
      })
      .option('lease-namespace', {
        type: 'string',
        describe: "Namespace of the Lease (default: $POD_NAMESPACE, the pod's, or default)",
      })
      .option('liveness', {
        alias: 'L',
        type: 'string',
        describe: 'Serve a liveness endpoint, e.g. http://0.0.0.0:8080/healthz',
      })
      .option('webhook-server', {
        type: 'string',
        describe: 'Serve admission webhooks at https://HOST:PORT/PATH (a generated self-signed certificate)',
      })
      .option('webhook-cert-dir', {
        type: 'string',
        describe:
          'The webhook certificate: tls.crt/tls.key/ca.crt in this directory (if there), else generated',
      })
      .option('webhook-managed', {
        type: 'string',
        describe: 'Create and update the Validating/MutatingWebhookConfiguration of this name',
      })
      .option('verbose', { alias: 'v', type: 'boolean', describe: 'Log debug messages' })
      .option('debug', {
        alias: 'd',
        type: 'boolean',
        describe: 'Log debug messages, including the framework internals',
      })
      .option('quiet', { alias: 'q', type: 'boolean', describe: 'Log warnings and errors only' })
      .option('log-format', {
        type: 'string',
        choices: ['plain', 'full', 'json'],
        describe: 'Log line format (default: full)',
      })
      .option('log-prefix', {
        type: 'boolean',
        describe: 'Prefix object messages with [namespace/name] (default: on for text)',
      })
      .option('reload', {
        type: 'boolean',
        describe: 'Development: reload the handlers when a handler file (or a script next to it) changes',
      })
  );
}

function defineBoard(y: Argv, freeze: boolean) {
  const common = y
    .option('peering', { alias: 'P', type: 'string', describe: 'Name of the peering object (required)' })
    .option('id', { alias: 'i', type: 'string', describe: 'Identity of the freezer (default: user@host)' })
    .option('namespace', { alias: 'n', type: 'string', describe: 'Namespace patterns of the boards' })
    .option('all-namespaces', { alias: 'A', type: 'boolean', describe: 'The cluster-wide board' });
  if (!freeze) return common;
  return common
    .option('lifetime', { alias: 't', type: 'number', describe: 'Seconds the freeze lasts (required)' })
    .option('priority', { alias: 'p', type: 'number', describe: 'Priority of the freeze (default: 100)' })
    .option('dev', { type: 'boolean', describe: 'Priority 666' })
    .option('message', { alias: 'm', type: 'string', describe: 'Why (for the log)' });
}

/** Parse the command line of `kopf` (without the node and script arguments). */
export async function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ParsedCommand> {
  let output = '';
  let run: Record<string, unknown> | undefined;
  let board: { command: 'freeze' | 'resume'; args: Record<string, unknown> } | undefined;
  let failure: string | undefined;
  const parser = yargs([...argv])
    .scriptName('kopf')
    .usage('$0 <command> [options]')
    .command(
      'run [files..]',
      'Run the operator with the handlers of the given files and modules',
      defineRun,
      (args) => {
        run = args as Record<string, unknown>;
      },
    )
    .command(
      'freeze',
      'Pause the operators of a peering: a fake peer of high priority for --lifetime seconds',
      (y) => defineBoard(y, true),
      (args) => {
        board = { command: 'freeze', args: args as Record<string, unknown> };
      },
    )
    .command(
      'resume',
      "Resume the operators of a peering: remove this freezer's record",
      (y) => defineBoard(y, false),
      (args) => {
        board = { command: 'resume', args: args as Record<string, unknown> };
      },
    )
    .demandCommand(1, 'Specify a command, e.g. `kopf run handlers.ts -A`.')
    .strict()
    .version(ownPackage().version)
    .help()
    .exitProcess(false)
    .fail((message, error) => {
      failure = message || error?.message || 'invalid usage';
    });
  await parser.parseAsync([...argv], {}, (_error, _argv, text) => {
    output = text;
  });
  if (failure !== undefined)
    return { command: 'exit', code: 2, output: `${output ? `${output}\n\n` : ''}Error: ${failure}` };
  if (!run && !board) return { command: 'exit', code: 0, output };
  try {
    if (board) return { command: board.command, options: boardOptions(board.command, board.args, env) };
    return { command: 'run', options: runOptions(run!, env) };
  } catch (error) {
    if (error instanceof UsageError) return { command: 'exit', code: 2, output: `Error: ${error.message}` };
    throw error;
  }
}

/** Combine parsed arguments with `KOPF_RUN_*` variables and check the combination. */
export function runOptions(args: Record<string, unknown>, env: NodeJS.ProcessEnv): RunOptions {
  const flag = (key: string, variable: string): boolean =>
    (args[key] as boolean | undefined) ?? envBoolean(env, variable) ?? false;
  const text = (key: string, variable: string): string | undefined =>
    (args[key] as string | undefined) ?? env[variable] ?? undefined;
  const list = (key: string): string[] =>
    ([] as unknown[])
      .concat(args[key] ?? [])
      .map(String)
      .filter((item) => item !== '');

  const files = list('files');
  const modules = list('module').length ? list('module') : envList(env, 'KOPF_RUN_MODULE');
  const namespaces = [...list('namespace'), ...envList(env, 'KOPF_RUN_NAMESPACE')];
  const allNamespaces = flag('all-namespaces', 'KOPF_RUN_ALL_NAMESPACES');
  if (allNamespaces && namespaces.length > 0) {
    throw new UsageError('Either --namespace or --all-namespaces can be used, not both.');
  }
  if (files.length === 0 && modules.length === 0) {
    throw new UsageError('Nothing to run: give handler files and/or -m modules.');
  }
  const priority = integer(text('priority', 'KOPF_RUN_PRIORITY'), '--priority');
  const logFormat = (text('log-format', 'KOPF_RUN_LOG_FORMAT') ?? 'full') as LogFormat;
  if (!['plain', 'full', 'json'].includes(logFormat))
    throw new UsageError(`--log-format must be plain, full or json, not ${logFormat}`);
  const liveness = text('liveness', 'KOPF_RUN_LIVENESS');
  if (liveness !== undefined && !/^http:\/\//.test(liveness))
    throw new UsageError(`--liveness must be an http:// URL, not ${liveness}`);
  const webhookServer = text('webhook-server', 'KOPF_RUN_WEBHOOK_SERVER');
  if (webhookServer !== undefined && !/^https?:\/\/[^/]/.test(webhookServer))
    throw new UsageError(`--webhook-server must be an https:// (or http://) URL, not ${webhookServer}`);
  const webhookManaged = text('webhook-managed', 'KOPF_RUN_WEBHOOK_MANAGED');
  const webhookCertDir = text('webhook-cert-dir', 'KOPF_RUN_WEBHOOK_CERT_DIR');
  const leaderElect = flag('leader-elect', 'KOPF_RUN_LEADER_ELECT');
  const sharded = flag('sharded', 'KOPF_RUN_SHARDED');
  if (leaderElect && sharded)
    throw new UsageError(
      'Either --leader-elect (one active replica) or --sharded (every replica on its share) can be used, not both.',
    );
  const logPrefix = (args['log-prefix'] as boolean | undefined) ?? envBoolean(env, 'KOPF_RUN_LOG_PREFIX');
  return {
    files,
    modules,
    namespaces,
    allNamespaces,
    standalone: flag('standalone', 'KOPF_RUN_STANDALONE'),
    peering: text('peering', 'KOPF_RUN_PEERING'),
    priority,
    dev: flag('dev', 'KOPF_RUN_DEV'),
    id: text('id', 'KOPF_RUN_ID'),
    leaderElect,
    sharded,
    leaseName: text('lease-name', 'KOPF_RUN_LEASE_NAME'),
    leaseNamespace: text('lease-namespace', 'KOPF_RUN_LEASE_NAMESPACE'),
    liveness,
    webhookServer,
    webhookManaged,
    webhookCertDir,
    verbose: flag('verbose', 'KOPF_RUN_VERBOSE'),
    debug: flag('debug', 'KOPF_RUN_DEBUG'),
    quiet: flag('quiet', 'KOPF_RUN_QUIET'),
    logFormat,
    logPrefix,
    reload: flag('reload', 'KOPF_RUN_RELOAD'),
  };
}

/** `kopf freeze`/`kopf resume` options, with `KOPF_FREEZE_*`/`KOPF_RESUME_*` variables. */
export function boardOptions(
  command: 'freeze' | 'resume',
  args: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): BoardOptions {
  const prefix = `KOPF_${command.toUpperCase()}_`;
  const text = (key: string): string | undefined =>
    args[key] === undefined ? env[prefix + key.toUpperCase().replace(/-/g, '_')] : String(args[key]);
  const namespaces = ([] as unknown[])
    .concat(args.namespace ?? [])
    .map(String)
    .filter(Boolean);
  const allNamespaces = (args['all-namespaces'] as boolean | undefined) ?? false;
  if (allNamespaces && namespaces.length > 0)
    throw new UsageError('Either --namespace or --all-namespaces can be used, not both.');
  const peering = text('peering');
  if (!peering) throw new UsageError(`--peering NAME is required for kopf ${command}.`);
  const dev = (args.dev as boolean | undefined) ?? envBoolean(env, `${prefix}DEV`) ?? false;
  const lifetime = command === 'resume' ? 0 : integer(text('lifetime'), '--lifetime');
  if (lifetime === undefined || lifetime < 0)
    throw new UsageError('--lifetime SECONDS (a positive integer) is required for kopf freeze.');
  return {
    peering,
    lifetime,
    priority: dev ? 666 : (integer(text('priority'), '--priority') ?? 100),
    id: text('id'),
    message: text('message'),
    namespaces,
    allNamespaces,
  };
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${flag} must be an integer, not ${value}`);
  return number;
}
