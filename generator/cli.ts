/**
 * `kopf-gen`: generates a typed Kopf operator project from CRD YAML files, and regenerates it in
 * place when the CRDs change (`kopf-gen crds/` inside the project). `kopf-gen rbac` refreshes only
 * deploy/rbac.yaml from the handler code; `kopf-gen init [DIR]` starts a project from Kopf's example CRD.
 */
import path from 'node:path';
import yargs from 'yargs';
import { formatWarning, InputError, OutputError } from './errors.ts';
import { generate, regenerateRbac, type GenerateResult } from './generate.ts';
import { init } from './init.ts';
import { typecheckProject } from './project/typecheck.ts';
import { watchInputs } from './watch.ts';
import { describeError } from '../common/errors.ts';

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs kopf-gen with the given arguments; resolves to the process exit code. `--watch` runs until
 * `signal` aborts (by default: SIGINT or SIGTERM).
 */
export async function main(
  argv: readonly string[],
  output: Output = consoleOutput,
  signal?: AbortSignal,
): Promise<number> {
  const command = argv[0] === 'rbac' || argv[0] === 'init' ? argv[0] : undefined;
  const rbacOnly = command === 'rbac';
  let failure: string | undefined;
  const parser = yargs([...(command ? argv.slice(1) : argv)])
    .scriptName(command ? `kopf-gen ${command}` : 'kopf-gen')
    .usage(
      rbacOnly
        ? '$0 [-o DIR]\n\nRegenerate deploy/rbac.yaml of a generated project from deploy/crds.yaml and its handler code.'
        : command === 'init'
          ? "$0 [DIR] [--namespace NS | --cluster-wide]\n\nStart a new operator project in DIR (default: the current directory) from Kopf's example CRD,\n" +
            'copied into DIR/crds/ for you to change; then regenerate with `kopf-gen crds/` inside DIR.'
          : '$0 <crd files or directories...> [-o DIR] [--namespace NS | --cluster-wide] [--replicas N [--sharded]] [--deploy-namespace NS]\n\n' +
            'Generate (or regenerate in place) a typed TypeScript operator project from CRDs.\n' +
            "`$0 init [DIR]` starts a project without CRDs of your own, from Kopf's example CRD.\n" +
            '`$0 rbac` regenerates only deploy/rbac.yaml from the handler code.',
    )
    .option('output', {
      alias: 'o',
      type: 'string',
      default: '.',
      describe: 'Project directory to write (default: the current one)',
    })
    .option('check', {
      type: 'boolean',
      default: false,
      describe: 'Write nothing; exit 1 if anything would change (for CI)',
    })
    .option('quiet', {
      alias: 'q',
      type: 'boolean',
      default: false,
      describe: 'Print only errors and the summary',
    })
    .strictOptions()
    .help()
    .version(false)
    .exitProcess(false)
    .fail((message, error) => {
      failure = error?.message ?? message;
    });
  if (!rbacOnly) {
    parser
      .option('namespace', {
        alias: 'n',
        type: 'string',
        describe: 'Serve only this namespace (Role instead of ClusterRole)',
      })
      .option('cluster-wide', {
        alias: 'A',
        type: 'boolean',
        describe: 'Serve all namespaces (the default for new projects)',
      })
      .option('kopf-ts', {
        type: 'string',
        describe:
          'npm spec of the kopf-ts dependency (default: ^<kopf-gen version>; from a checkout or a local tarball, file:vendor/kopf-ts.tgz — that kopf-ts, packed into the project)',
      })
      .option('watch', {
        alias: 'w',
        type: 'boolean',
        default: false,
        describe: 'Regenerate whenever the CRD files change, then type-check the project; stop with Ctrl+C',
      })
      .option('replicas', {
        type: 'number',
        describe: 'Replicas of the Deployment; more than one runs with --leader-elect (default 1)',
      })
      .option('sharded', {
        type: 'boolean',
        describe:
          'The replicas split the objects between them (kopf run --sharded) instead of electing a leader; --no-sharded to go back',
      })
      .option('deploy-namespace', {
        type: 'string',
        describe: 'Where a cluster-wide operator is deployed (default: default)',
      })
      .conflicts('namespace', 'cluster-wide');
  }
  let args;
  try {
    args = await parser.parseAsync();
  } catch (error) {
    failure ??= describeError(error);
  }
  if (failure !== undefined || !args) {
    output.err(`kopf-gen: ${failure ?? 'invalid arguments'}`);
    return 2;
  }
  if (args.help) return 0;
  const inputs = args._.map(String);
  if (args.watch === true && (args.check || command === 'init')) {
    output.err(`kopf-gen: --watch does not go with ${command === 'init' ? 'init' : '--check'}`);
    return 2;
  }
  if (command === 'init' && inputs.length > 1) {
    output.err('kopf-gen: init takes one project directory, e.g. `kopf-gen init my-operator`');
    return 2;
  }
  if (!command && inputs.length === 0) {
    output.err(
      'kopf-gen: give the CRD files or directories to read, e.g. `kopf-gen crds/` (no CRD yet? `kopf-gen init my-operator`)',
    );
    return 2;
  }

  let scaling: ReturnType<typeof scalingArgs> = {};
  try {
    if (!rbacOnly) scaling = scalingArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`kopf-gen: ${error.message}`);
    return 2;
  }

  const options = {
    outDir: command === 'init' ? (inputs[0] ?? args.output) : args.output,
    namespace: args.namespace !== undefined ? String(args.namespace) : args.clusterWide ? null : undefined,
    kopfTs: args.kopfTs as string | undefined,
    ...scaling,
    check: args.check,
    progress: args.quiet ? undefined : (message: string) => output.err(message),
  };
  const once = async (): Promise<GenerateResult | undefined> => {
    const started = performance.now();
    try {
      const result = rbacOnly
        ? await regenerateRbac(args.output, args.check)
        : command === 'init'
          ? await init(options)
          : await generate({ ...options, inputs });
      report(result, args.check, args.quiet, performance.now() - started, output);
      return result;
    } catch (error) {
      if (!(error instanceof InputError || error instanceof OutputError)) throw error;
      output.err(`kopf-gen: error: ${error.message}`);
      if (!(error instanceof OutputError && error.partial)) output.err('kopf-gen: nothing was written.');
      return undefined;
    }
  };

  const first = await once();
  if (!first) return 1;
  if (command === undefined && args.watch === true) {
    await watchAndRegenerate(inputs, options.outDir, once, output, signal ?? stopSignal());
    return 0;
  }
  return args.check && (first.changes.writes.size > 0 || first.changes.deletions.length > 0) ? 1 : 0;
}

/** `--watch`: type-check now, then regenerate and type-check again after every change to the inputs. */
async function watchAndRegenerate(
  inputs: readonly string[],
  root: string,
  once: () => Promise<GenerateResult | undefined>,
  output: Output,
  signal: AbortSignal,
): Promise<void> {
  await reportTypecheck(root, output);
  output.err(`kopf-gen: watching ${inputs.join(', ')} for changes (Ctrl+C to stop)`);
  await watchInputs({
    inputs,
    debounceMs: 200,
    signal,
    regenerate: async (changed) => {
      output.err(
        `kopf-gen: ${changed.map((file) => path.relative('.', file)).join(', ')} changed; regenerating`,
      );
      const result = await once();
      if (!result) return [];
      const { writes, deletions } = result.changes;
      if (writes.size + deletions.length > 0) await reportTypecheck(root, output);
      return [...writes.keys()].map((file) => path.join(root, file));
    },
  });
  output.err('kopf-gen: stopped watching.');
}

async function reportTypecheck(root: string, output: Output): Promise<void> {
  const result = await typecheckProject(root);
  if (!result.ran) {
    output.err(`notice: the project was not type-checked: ${result.reason}`);
  } else if (result.errors.length === 0) {
    output.err('kopf-gen: the project type-checks (tsc).');
  } else {
    const count = result.errors.length;
    output.err(
      `kopf-gen: the project no longer type-checks; tsc found ${count} error${count === 1 ? '' : 's'}:`,
    );
    for (const line of result.errors) output.err(`  ${line}`);
  }
}

/** Aborts at the first SIGINT or SIGTERM (only `--watch` waits on it). */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}

/** `--replicas` (a positive integer), `--[no-]sharded` and `--deploy-namespace`, checked. */
function scalingArgs(args: Record<string, unknown>): {
  replicas?: number;
  sharded?: boolean;
  deployNamespace?: string;
} {
  const replicas = args.replicas as number | undefined;
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1))
    throw new UsageError(`--replicas must be a positive integer, not ${String(args.replicas)}`);
  const deployNamespace = args.deployNamespace as string | undefined;
  if (deployNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(deployNamespace))
    throw new UsageError(
      `--deploy-namespace must be a namespace name (DNS-1123 label), not ${deployNamespace}`,
    );
  const sharded = args.sharded as boolean | undefined;
  return {
    ...(replicas !== undefined ? { replicas } : {}),
    ...(sharded !== undefined ? { sharded } : {}),
    ...(deployNamespace !== undefined ? { deployNamespace } : {}),
  };
}

/** Bad flag values found after parsing (exit code 2). */
class UsageError extends Error {}

function report(result: GenerateResult, check: boolean, quiet: boolean, ms: number, output: Output): void {
  if (!quiet) {
    for (const notice of result.notices) output.err(`notice: ${formatWarning(notice)}`);
  }
  for (const warning of result.warnings) output.err(`warning: ${formatWarning(warning)}`);
  const { writes, deletions } = result.changes;
  if (check) {
    for (const file of writes.keys()) output.out(`would write ${file}`);
    for (const file of deletions) output.out(`would remove ${file}`);
    output.out(
      writes.size + deletions.length === 0
        ? 'kopf-gen: up to date.'
        : 'kopf-gen: out of date; run kopf-gen to refresh.',
    );
    return;
  }
  output.out(
    `kopf-gen: ${result.crds} CRDs, ${result.versions} versions; ${writes.size} files written, ${deletions.length} removed; ` +
      `${result.warnings.length} warnings (${Math.round(ms)} ms)`,
  );
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
