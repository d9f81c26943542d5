/**
 * `kopf-gen`: generates a typed Kopf operator project from CRD YAML files, and regenerates it in
 * place when the CRDs change (`kopf-gen crds/` inside the project). `kopf-gen rbac` refreshes only
 * deploy/rbac.yaml from the handler code.
 */
import yargs from 'yargs';
import { formatWarning, InputError, OutputError } from './errors.ts';
import { generate, regenerateRbac, type GenerateResult } from './generate.ts';

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs kopf-gen with the given arguments; resolves to the process exit code. */
export async function main(argv: readonly string[], output: Output = consoleOutput): Promise<number> {
  const rbacOnly = argv[0] === 'rbac';
  let failure: string | undefined;
  const parser = yargs([...(rbacOnly ? argv.slice(1) : argv)])
    .scriptName(rbacOnly ? 'kopf-gen rbac' : 'kopf-gen')
    .usage(
      rbacOnly
        ? '$0 [-o DIR]\n\nRegenerate deploy/rbac.yaml of a generated project from deploy/crds.yaml and its handler code.'
        : '$0 <crd files or directories...> [-o DIR] [--namespace NS | --cluster-wide] [--replicas N] [--deploy-namespace NS]\n\n' +
            'Generate (or regenerate in place) a typed TypeScript operator project from CRDs.\n' +
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
        describe: 'npm spec of the kopf-ts dependency (default: ^<kopf-gen version>)',
      })
      .option('replicas', {
        type: 'number',
        describe: 'Replicas of the Deployment; more than one runs with --leader-elect (default 1)',
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
    failure ??= error instanceof Error ? error.message : String(error);
  }
  if (failure !== undefined || !args) {
    output.err(`kopf-gen: ${failure ?? 'invalid arguments'}`);
    return 2;
  }
  if (args.help) return 0;
  const inputs = args._.map(String);
  if (!rbacOnly && inputs.length === 0) {
    output.err('kopf-gen: give the CRD files or directories to read, e.g. `kopf-gen crds/`');
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

  const started = performance.now();
  try {
    const result = rbacOnly
      ? await regenerateRbac(args.output, args.check)
      : await generate({
          inputs,
          outDir: args.output,
          namespace:
            args.namespace !== undefined ? String(args.namespace) : args.clusterWide ? null : undefined,
          kopfTs: args.kopfTs as string | undefined,
          ...scaling,
          check: args.check,
          progress: args.quiet ? undefined : (message) => output.err(message),
        });
    report(result, args.check, args.quiet, performance.now() - started, output);
    return args.check && (result.changes.writes.size > 0 || result.changes.deletions.length > 0) ? 1 : 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof OutputError) {
      output.err(`kopf-gen: error: ${error.message}`);
      if (!(error instanceof OutputError && error.partial)) output.err('kopf-gen: nothing was written.');
      return 1;
    }
    throw error;
  }
}

/** `--replicas` (a positive integer) and `--deploy-namespace`, checked. */
function scalingArgs(args: Record<string, unknown>): { replicas?: number; deployNamespace?: string } {
  const replicas = args.replicas as number | undefined;
  if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1))
    throw new UsageError(`--replicas must be a positive integer, not ${String(args.replicas)}`);
  const deployNamespace = args.deployNamespace as string | undefined;
  if (deployNamespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(deployNamespace))
    throw new UsageError(
      `--deploy-namespace must be a namespace name (DNS-1123 label), not ${deployNamespace}`,
    );
  return {
    ...(replicas !== undefined ? { replicas } : {}),
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
