// ESLint rule `kopf/layering`: the architecture, enforced rather than hoped for.
//
// Each top-level part may import only the parts listed for it. Inside runtime/, layers are ordered
// and a module may import its own layer and the layers below it, never above. ts-morph and the
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

function locate(file) {
  const rel = path.relative(root, file).split(path.sep);
  const part = rel[0];
  const layer = part === 'runtime' && rel.length > 2 ? rel[1] : undefined;
  return { part, layer };
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

    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
