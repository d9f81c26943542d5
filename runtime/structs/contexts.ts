/**
 * What the currently executing handler is about, for helpers that default to it (`kopf.adopt`,
 * `kopf.label`, ... take the handler's object as the owner, as Kopf does with a context variable).
 * The processing layer runs every handler inside {@link runInHandlerContext}.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { KubernetesObject } from './bodies.ts';

export interface HandlerContext {
  /** The body of the object the handler is called for. */
  body: KubernetesObject;
}

const storage = new AsyncLocalStorage<HandlerContext>();

/** Run `fn` (a handler call) with `context` visible to everything it awaits. */
export function runInHandlerContext<T>(context: HandlerContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The context of the handler currently executing, if any. */
export function currentHandlerContext(): HandlerContext | undefined {
  return storage.getStore();
}
