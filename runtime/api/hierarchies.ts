/**
 * Hierarchy helpers (Kopf's `kopf.adopt`, `kopf.label`, ...): make objects children of an owner, so
 * that Kubernetes' garbage collector deletes them with it. They change the given objects in place
 * and return them. Inside a handler, the owner defaults to the handler's object.
 *
 * Plain objects and client-node models (`V1Pod`, `V1ConfigMap`, ...) are accepted alike.
 *
 * @example
 * ```ts
 * kopf.on.create(examples, async function createFn() {
 *   const pod = kopf.adopt({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { ... } });
 *   await core.createNamespacedPod({ namespace: pod.metadata.namespace!, body: pod });
 * });
 * ```
 */
import { currentHandlerContext } from '../structs/contexts.ts';

/** An owner reference, as in `metadata.ownerReferences` (compatible with client-node's `V1OwnerReference`). */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A reference to an object (e.g. an Event's `involvedObject`); empty fields are left out. */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  namespace?: string;
}

/** What the helpers need of an object (client-node models and plain bodies fit). */
export interface Adoptable {
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
}

/** What the helpers need of an owner: a whole object as the API returned it. */
export interface Owner {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
  };
}

export interface OwnerOptions {
  /** The owner; defaults to the object of the handler currently executing. */
  owner?: Owner;
}

export interface OwnerReferenceOptions extends OwnerOptions {
  /** Mark the owner as the managing controller (default true). */
  controller?: boolean;
  /** Block the owner's foreground deletion until this child is gone (default true). */
  blockOwnerDeletion?: boolean;
}

export interface LabelOptions extends OwnerOptions {
  /** Overwrite existing labels (default: only add missing ones). */
  forced?: boolean;
  /** Also label nested templates, e.g. `'spec.template'` (→ `spec.template.metadata.labels`). */
  nested?: string | readonly string[];
}

export interface NamingOptions extends OwnerOptions {
  /** The base name (default: the owner's name). */
  name?: string;
  /** Rename even objects that already have a name or generateName. */
  forced?: boolean;
  /** Use exactly `name` (default: `generateName: <name>-`, so the server makes it unique). */
  strict?: boolean;
}

export interface NamespaceOptions extends OwnerOptions {
  /** The namespace (default: the owner's). */
  namespace?: string;
  /** Move even objects that already have a namespace. */
  forced?: boolean;
}

export interface AdoptOptions extends OwnerOptions {
  forced?: boolean;
  strict?: boolean;
  nested?: string | readonly string[];
}

/** One object or several: every helper returns what it was given, changed in place. */
export type Adoptables = Adoptable | Adoptable[];

function each(objs: Adoptables): Adoptable[] {
  return Array.isArray(objs) ? objs : [objs];
}

/** The explicit owner, else the object of the handler running now. */
function resolveOwner(owner: Owner | undefined): Owner {
  if (owner) return owner;
  const current = currentHandlerContext()?.body;
  if (!current) {
    throw new TypeError('The owner must be given explicitly when not called from inside a handler.');
  }
  return current as Owner;
}

/** The metadata object of `obj`, created if missing (typed loosely: callers add fields). */
function metadataOf(obj: Adoptable): NonNullable<Adoptable['metadata']> {
  obj.metadata ??= {};
  return obj.metadata;
}

/** `{ apiVersion, kind, name, uid, namespace }` of an object, without empty fields. */
export function buildObjectReference(body: Owner): ObjectReference {
  const reference: ObjectReference = {
    apiVersion: body.apiVersion,
    kind: body.kind,
    name: body.metadata?.name,
    uid: body.metadata?.uid,
    namespace: body.metadata?.namespace,
  };
  for (const key of Object.keys(reference) as Array<keyof ObjectReference>) {
    if (!reference[key]) delete reference[key];
  }
  return reference;
}

/** An owner reference to `body` (a controller reference that blocks the owner's deletion, by default). */
export function buildOwnerReference(
  body: Owner,
  options: { controller?: boolean; blockOwnerDeletion?: boolean } = {},
): OwnerReference {
  const { apiVersion, kind } = body;
  const name = body.metadata?.name;
  const uid = body.metadata?.uid;
  if (!apiVersion || !kind || !name || !uid) {
    throw new TypeError('An owner needs apiVersion, kind, metadata.name and metadata.uid.');
  }
  return {
    controller: options.controller ?? true,
    blockOwnerDeletion: options.blockOwnerDeletion ?? true,
    apiVersion,
    kind,
    name,
    uid,
  };
}

/** Add an owner reference to the objects (unless one with the owner's uid is already there). */
export function appendOwnerReference<O extends Adoptables>(objs: O, options: OwnerReferenceOptions = {}): O {
  const reference = buildOwnerReference(resolveOwner(options.owner), options);
  for (const obj of each(objs)) {
    const meta = metadataOf(obj);
    const references = (meta.ownerReferences ??= []);
    if (!references.some((r) => r.uid === reference.uid)) references.push({ ...reference });
  }
  return objs;
}

/** Remove the owner's references (by uid) from the objects. */
export function removeOwnerReference<O extends Adoptables>(objs: O, options: OwnerOptions = {}): O {
  const uid = resolveOwner(options.owner).metadata?.uid;
  for (const obj of each(objs)) {
    const meta = metadataOf(obj);
    if (meta.ownerReferences) meta.ownerReferences = meta.ownerReferences.filter((r) => r.uid !== uid);
  }
  return objs;
}

/**
 * Label the objects (and their `nested` templates) with `labels` (default: the owner's labels).
 * Existing labels are kept unless `forced`.
 */
export function label<O extends Adoptables>(
  objs: O,
  labels?: Record<string, string>,
  options: LabelOptions = {},
): O {
  const wanted = labels ?? resolveOwner(options.owner).metadata?.labels ?? {};
  const nested = typeof options.nested === 'string' ? [options.nested] : (options.nested ?? []);
  for (const obj of each(objs)) {
    const targets: Adoptable[] = [obj];
    for (const path of nested) targets.push(ensurePath(obj as Record<string, unknown>, path.split('.')));
    for (const target of targets) {
      const existing = (metadataOf(target).labels ??= {});
      for (const [key, value] of Object.entries(wanted)) {
        if (options.forced || !(key in existing)) existing[key] = value;
      }
    }
  }
  return objs;
}

/** The object at a dotted path, creating empty objects on the way. */
function ensurePath(root: Record<string, unknown>, path: readonly string[]): Adoptable {
  let node = root;
  for (const key of path) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  return node as Adoptable;
}

/**
 * Name nameless objects after the owner: `generateName: <name>-` (unique names from the server), or
 * exactly `name` with `strict`. Named objects are left alone unless `forced`.
 */
export function harmonizeNaming<O extends Adoptables>(objs: O, options: NamingOptions = {}): O {
  const name = options.name ?? resolveOwner(options.owner).metadata?.name;
  if (!name) throw new TypeError('Naming needs a name (or an owner with one).');
  for (const obj of each(objs)) {
    const meta = metadataOf(obj);
    if (!options.forced && (meta.name || meta.generateName)) continue;
    if (options.strict) {
      meta.name = name;
      delete meta.generateName;
    } else {
      meta.generateName = `${name}-`;
      delete meta.name;
    }
  }
  return objs;
}

/** Put the objects into the owner's namespace (or `namespace`), unless they have one and not `forced`. */
export function adjustNamespace<O extends Adoptables>(objs: O, options: NamespaceOptions = {}): O {
  const namespace =
    'namespace' in options ? options.namespace : resolveOwner(options.owner).metadata?.namespace;
  if (!namespace) return objs; // a cluster-scoped owner: nothing to adjust
  for (const obj of each(objs)) {
    const meta = metadataOf(obj);
    if (options.forced || !meta.namespace) meta.namespace = namespace;
  }
  return objs;
}

/**
 * Make the objects children of the owner (default: the handler's object): an owner reference
 * (controller, blocking the owner's deletion), a name after the owner's if they have none, the
 * owner's namespace, and the owner's labels.
 */
export function adopt<O extends Adoptables>(objs: O, options: AdoptOptions = {}): O {
  const owner = resolveOwner(options.owner);
  appendOwnerReference(objs, { owner });
  harmonizeNaming(objs, {
    owner,
    ...(options.forced !== undefined ? { forced: options.forced } : {}),
    ...(options.strict !== undefined ? { strict: options.strict } : {}),
  });
  adjustNamespace(objs, { owner, ...(options.forced !== undefined ? { forced: options.forced } : {}) });
  label(objs, owner.metadata?.labels ?? {}, {
    owner,
    ...(options.forced !== undefined ? { forced: options.forced } : {}),
    ...(options.nested !== undefined ? { nested: options.nested } : {}),
  });
  return objs;
}
