// ESLint rule `kopf/layering`: the architecture, enforced rather than hoped for.
//
// Each top-level part may import only the parts listed for it. Inside runtime/, layers are ordered
// and a module may import its own layer and the layers below it, never above; inside
// runtime/processing/ and generator/, the same holds for their sub-layers. ts-morph and the
// generator never enter the runtime's import graph.
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', '..');

/** Runtime layers, lowest first. A layer may import itself and anything earlier in this list. */
export const RUNTIME_LAYERS = [
  'structs',
  'client',
  'watching',
  'processing',
  'reactor',
  'api',
  'cli',
  'testing',
];

/**
 * runtime/processing/ is flat; its modules form sub-layers, lowest first. A new module must be put
 * into one (the rule says so), which is the moment to decide what it may depend on.
 */
export const PROCESSING_SUBLAYERS = {
  // What handlers, causes and objects are: declarations, the registry, arguments, persisted state.
  foundations: [
    'handlers',
    'registry',
    'kwargs',
    'causes',
    'stopping',
    'views',
    'memories',
    'diffbase',
    'essence',
    'finalizers',
    'storage',
    'posting',
    'loggers',
  ],
  // Running handlers and writing their outcome: the executor, selection, state, patches, tasks.
  execution: [
    'execution',
    'matching',
    'selectors',
    'lifecycles',
    'state',
    'application',
    'reactions',
    'subhandling',
    'tasks',
    'daemons',
    'timers',
  ],
  // The per-event context and the steps of one event: indexing, event handlers, spawning, changing.
  steps: ['context', 'indexing', 'event-handlers', 'spawning', 'changing', 'resource-causes'],
  // The entry point the watchers call.
  processor: ['processor'],
};

/**
 * generator/: parse → model → emit → project, lowest first; `errors.ts` at the top is the floor every
 * stage reports with, and the other top-level modules (`generate.ts`, `cli.ts`) orchestrate them all.
 */
export const GENERATOR_STAGES = ['errors', 'parse', 'model', 'emit', 'project', 'orchestration'];

/** Which top-level parts each part may import from (besides itself). */
const ALLOWED_PARTS = {
  common: [],
  generator: ['common'],
  runtime: ['common'],
};

/** Packages a part must never import, with the reason shown in the lint message. */
const FORBIDDEN_PACKAGES = {
  runtime: {
    'ts-morph': 'ts-morph is a generator-only dependency (13 MB; keep it out of operator images)',
  },
  common: {
    'ts-morph': 'the common core is shared by the runtime, which must not load ts-morph',
    '@kubernetes/client-node': 'the common core must stay free of I/O libraries',
  },
};

const PROCESSING_ORDER = Object.keys(PROCESSING_SUBLAYERS);

function locate(file) {
  const rel = path.relative(root, file).split(path.sep);
  const part = rel[0];
  const layer = part === 'runtime' && rel.length > 2 ? rel[1] : undefined;
  const module = path.basename(file).replace(/\.[cm]?[jt]s$/, '');
  let sublayer;
  if (layer === 'processing' && rel.length === 3) {
    sublayer = PROCESSING_ORDER.find((name) => PROCESSING_SUBLAYERS[name].includes(module)) ?? null;
  } else if (part === 'generator') {
    sublayer = rel.length > 2 ? rel[1] : module === 'errors' ? 'errors' : 'orchestration';
  }
  return { part, layer, module, sublayer };
}

/** The sub-layer rule of a part/layer: the order of its sub-layers and how the rule names them. */
function sublayering(where) {
  if (where.part === 'runtime' && where.layer === 'processing')
    return { order: PROCESSING_ORDER, describe: (s) => `runtime/processing/ sub-layer '${s}'` };
  if (where.part === 'generator')
    return { order: GENERATOR_STAGES, describe: (s) => `generator/ stage '${s}'` };
  return undefined;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforces the layering of kopf-ts (see README, "Architecture")' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const from = locate(file);
    if (!(from.part in ALLOWED_PARTS)) return {};

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        const forbidden = FORBIDDEN_PACKAGES[from.part] ?? {};
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (pkg in forbidden)
          context.report({ node, message: `${from.part}/ must not import '${pkg}': ${forbidden[pkg]}` });
        return;
      }
      const to = locate(path.resolve(path.dirname(file), spec));
      if (to.part !== from.part) {
        if (!ALLOWED_PARTS[from.part].includes(to.part)) {
          context.report({ node, message: `${from.part}/ must not import from ${to.part}/ ('${spec}')` });
        }
        return;
      }
      checkSublayers(node, spec, to);
      if (from.part !== 'runtime' || !from.layer || !to.layer) return;
      const fromRank = RUNTIME_LAYERS.indexOf(from.layer);
      const toRank = RUNTIME_LAYERS.indexOf(to.layer);
      if (fromRank < 0) {
        context.report({
          node,
          message: `runtime/${from.layer}/ is not a known layer; add it to RUNTIME_LAYERS in scripts/lint/layering.js`,
        });
      } else if (toRank > fromRank) {
        context.report({
          node,
          message: `runtime/${from.layer}/ must not import the higher layer runtime/${to.layer}/ ('${spec}'); layers, lowest first: ${RUNTIME_LAYERS.join(' → ')}`,
        });
      }
    }

    /** Inside runtime/processing/ and generator/: no import of a higher sub-layer. */
    function checkSublayers(node, spec, to) {
      const rule = sublayering(from);
      if (!rule || from.layer !== to.layer || from.sublayer === undefined || to.sublayer === undefined)
        return;
      if (from.sublayer === null) {
        context.report({
          node,
          message: `runtime/processing/${from.module}.ts is in no sub-layer; add it to PROCESSING_SUBLAYERS in scripts/lint/layering.js`,
        });
        return;
      }
      if (to.sublayer === null) return; // reported in that module
      const fromRank = rule.order.indexOf(from.sublayer);
      const toRank = rule.order.indexOf(to.sublayer);
      if (fromRank < 0) {
        context.report({
          node,
          message: `${rule.describe(from.sublayer)} is not known to scripts/lint/layering.js`,
        });
      } else if (toRank > fromRank) {
        context.report({
          node,
          message: `${rule.describe(from.sublayer)} must not import the higher ${rule.describe(to.sublayer)} ('${spec}'); lowest first: ${rule.order.join(' → ')}`,
        });
      }
    }

    /**
     * client-node costs every operator ~55 MB of RSS at import: the runtime reads kubeconfigs itself and
     * loads client-node on first use (`clientNode()` in runtime/client/kubeconfig.ts). Types are free.
     */
    function checkEager(node) {
      if (from.part !== 'runtime' || node.source.value !== '@kubernetes/client-node') return;
      const typeOnly =
        node.importKind === 'type' ||
        (node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type'));
      if (!typeOnly)
        context.report({
          node,
          message:
            "runtime/ must not import '@kubernetes/client-node' eagerly (~55 MB RSS for every operator): import types only, and load it with clientNode() from runtime/client/kubeconfig.ts",
        });
    }

    return {
      ImportDeclaration: (node) => {
        check(node.source, node.source.value);
        checkEager(node);
      },
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
