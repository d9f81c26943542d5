/**
 * kopf-gen's command line: its commands, their options with the help text, and the parsing
 * (node:util's parseArgs: yargs cost ~65 ms of CPU to import, paid by every `kopf-gen` run, and ~0.8 ms
 * per call — bench/findings.md, "generator speed").
 */
import { parseArgs } from 'node:util';

export type Command = 'rbac' | 'init';

/** The options of every command, by their long name. */
export interface CommandLine {
  readonly command: Command | undefined;
  /** CRD files or directories (`init`: the project directory). */
  readonly inputs: readonly string[];
  readonly help: boolean;
  readonly output: string;
  readonly check: boolean;
  readonly quiet: boolean;
  readonly watch: boolean;
  readonly namespace?: string;
  readonly clusterWide?: boolean;
  readonly kopfTs?: string;
  /** As given; `scalingArgs` checks it. */
  readonly replicas?: string;
  readonly sharded?: boolean;
  readonly deployNamespace?: string;
}

/** A command line kopf-gen cannot run (exit code 2). */
export class UsageError extends Error {}

interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in the help, for string options. */
  readonly value?: string;
  readonly describe: string;
}

const SHARED_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'output',
    short: 'o',
    type: 'string',
    value: 'DIR',
    describe: 'Project directory to write (default: the current one)',
  },
  { name: 'check', type: 'boolean', describe: 'Write nothing; exit 1 if anything would change (for CI)' },
  { name: 'quiet', short: 'q', type: 'boolean', describe: 'Print only errors and the summary' },
  { name: 'help', short: 'h', type: 'boolean', describe: 'Show this help' },
];

const GENERATE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    value: 'NS',
    describe: 'Serve only this namespace (Role instead of ClusterRole)',
  },
  {
    name: 'cluster-wide',
    short: 'A',
    type: 'boolean',
    describe: 'Serve all namespaces (the default for new projects)',
  },
  {
    name: 'kopf-ts',
    type: 'string',
    value: 'SPEC',
    describe:
      'npm spec of the kopf-ts dependency (default: ^<kopf-gen version>; from a checkout or a local tarball, file:vendor/kopf-ts.tgz — that kopf-ts, packed into the project)',
  },
  {
    name: 'watch',
    short: 'w',
    type: 'boolean',
    describe: 'Regenerate whenever the CRD files change, then type-check the project; stop with Ctrl+C',
  },
  {
    name: 'replicas',
    type: 'string',
    value: 'N',
    describe: 'Replicas of the Deployment; more than one runs with --leader-elect (default 1)',
  },
  {
    name: 'sharded',
    type: 'boolean',
    describe:
      'The replicas split the objects between them (kopf run --sharded) instead of electing a leader; --no-sharded to go back',
  },
  {
    name: 'deploy-namespace',
    type: 'string',
    value: 'NS',
    describe: 'Where a cluster-wide operator is deployed (default: default)',
  },
];

function optionsOf(command: Command | undefined): readonly OptionSpec[] {
  return command === 'rbac' ? SHARED_OPTIONS : [...SHARED_OPTIONS, ...GENERATE_OPTIONS];
}

/**
 * Parses kopf-gen's arguments (the first one may name a command). Boolean options take `--no-`;
 * a repeated option keeps its last value. Throws a UsageError naming the offending option.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const command = argv[0] === 'rbac' || argv[0] === 'init' ? argv[0] : undefined;
  const specs = optionsOf(command);
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const { tokens } = parseArgs({
    args: command ? argv.slice(1) : [...argv],
    options: Object.fromEntries(
      specs.map((spec) => [spec.name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }]),
    ),
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const values = new Map<string, string | boolean>();
  const inputs: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') inputs.push(token.value);
    if (token.kind !== 'option') continue;
    const spec = byName.get(token.name);
    if (!spec)
      throw new UsageError(`unknown option ${token.rawName}${command ? ` for kopf-gen ${command}` : ''}`);
    const negated = token.rawName === `--no-${spec.name}`;
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
      values.set(spec.name, !negated);
    } else if (negated) {
      throw new UsageError(`${token.rawName}: --${spec.name} takes a value and cannot be negated`);
    } else if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      throw new UsageError(`${token.rawName} needs a value (${spec.value ?? 'a value'})`);
    } else {
      values.set(spec.name, token.value);
    }
  }
  if (values.has('namespace') && values.has('cluster-wide'))
    throw new UsageError('--namespace and --cluster-wide are mutually exclusive');
  const text = (name: string) => {
    const value = values.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const flag = (name: string) => {
    const value = values.get(name);
    return typeof value === 'boolean' ? value : undefined;
  };
  const namespace = text('namespace');
  const clusterWide = flag('cluster-wide');
  const kopfTs = text('kopf-ts');
  const replicas = text('replicas');
  const sharded = flag('sharded');
  const deployNamespace = text('deploy-namespace');
  return {
    command,
    inputs,
    help: flag('help') ?? false,
    output: text('output') ?? '.',
    check: flag('check') ?? false,
    quiet: flag('quiet') ?? false,
    watch: flag('watch') ?? false,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(clusterWide !== undefined ? { clusterWide } : {}),
    ...(kopfTs !== undefined ? { kopfTs } : {}),
    ...(replicas !== undefined ? { replicas } : {}),
    ...(sharded !== undefined ? { sharded } : {}),
    ...(deployNamespace !== undefined ? { deployNamespace } : {}),
  };
}

const USAGE: Record<Command | 'generate', string> = {
  generate:
    'kopf-gen <crd files or directories...> [-o DIR] [--namespace NS | --cluster-wide] [--replicas N [--sharded]] [--deploy-namespace NS]\n\n' +
    'Generate (or regenerate in place) a typed TypeScript operator project from CRDs.\n' +
    "`kopf-gen init [DIR]` starts a project without CRDs of your own, from Kopf's example CRD.\n" +
    '`kopf-gen rbac` regenerates only deploy/rbac.yaml from the handler code.',
  rbac:
    'kopf-gen rbac [-o DIR]\n\n' +
    'Regenerate deploy/rbac.yaml of a generated project from deploy/crds.yaml and its handler code.',
  init:
    'kopf-gen init [DIR] [--namespace NS | --cluster-wide]\n\n' +
    "Start a new operator project in DIR (default: the current directory) from Kopf's example CRD,\n" +
    'copied into DIR/crds/ for you to change; then regenerate with `kopf-gen crds/` inside DIR.',
};

const HELP_WIDTH = 100;

/** The help of a command: its usage, then its options, descriptions wrapped beside them. */
export function helpText(command: Command | undefined): string {
  const rows = optionsOf(command).map((spec) => ({
    head: `${spec.short ? `-${spec.short}, ` : '    '}--${spec.name}${spec.type === 'boolean' ? '' : ` ${spec.value}`}`,
    describe: spec.describe,
  }));
  const column = Math.max(...rows.map((row) => row.head.length)) + 4;
  const lines = rows.map(({ head, describe }) =>
    wrap(describe, HELP_WIDTH - column)
      .map((line, i) => (i === 0 ? `  ${head.padEnd(column - 2)}${line}` : `${' '.repeat(column)}${line}`))
      .join('\n'),
  );
  return `Usage: ${USAGE[command ?? 'generate']}\n\nOptions:\n${lines.join('\n')}`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}
