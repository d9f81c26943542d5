/**
 * The registry that collects an operator's handlers, and the default one. The default registry lives
 * on `globalThis` under a well-known symbol, so that a user's module importing the built package
 * (`dist/`) and the CLI running from source (or two copies of the package) register into and serve
 * the same registry. It sits here, below the reactor, because the reactor serves it and `kopf.on.*`
 * (in `api/`) fills it.
 */
import { sameSelector, selectorKey, type HandlerSelector } from '../../common/resources.ts';
import {
  type ActivityHandler,
  type ChangingHandler,
  type IndexingHandler,
  type SpawningHandler,
  type RawEventHandler,
  type WebhookHandler,
} from './handlers.ts';

/**
 * The handlers of an operator. `kopf.on.*` registers into the default registry unless given
 * `{ registry }`; `kopf.operator({ registry })` serves one.
 */
export class Registry {
  readonly changing: ChangingHandler[] = [];
  readonly spawning: SpawningHandler[] = [];
  readonly rawEvents: RawEventHandler[] = [];
  readonly indexing: IndexingHandler[] = [];
  readonly activities: ActivityHandler[] = [];
  readonly webhooks: WebhookHandler[] = [];

  /** Add a change handler; the same id twice for the same resource and reason is an error. */
  addChanging(handler: ChangingHandler): void {
    const clash = this.changing.find(
      (h) =>
        h.id === handler.id &&
        h.reason === handler.reason &&
        h.initial === handler.initial &&
        sameSelector(h.selector, handler.selector),
    );
    if (clash && clash.fn !== handler.fn) {
      throw new Error(
        `Duplicate handler id '${handler.id}' for ${selectorKey(handler.selector)}; give one of them another \`id\`.`,
      );
    }
    if (!clash) this.changing.push(handler);
  }

  /** Add an activity handler; the same id twice for the same activity is an error. */
  addActivity(handler: ActivityHandler): void {
    const clash = this.activities.find((h) => h.id === handler.id && h.activity === handler.activity);
    if (clash && clash.fn !== handler.fn) {
      throw new Error(
        `Duplicate ${handler.activity} handler id '${handler.id}'; give one of them another \`id\`.`,
      );
    }
    if (!clash) this.activities.push(handler);
  }

  addSpawning(handler: SpawningHandler): void {
    this.#refuseDuplicate(this.spawning, handler);
    this.spawning.push(handler);
  }

  addRawEvent(handler: RawEventHandler): void {
    this.#refuseDuplicate(this.rawEvents, handler);
    this.rawEvents.push(handler);
  }

  addIndexing(handler: IndexingHandler): void {
    this.#refuseDuplicate(this.indexing, handler);
    this.indexing.push(handler);
  }

  /** Webhook ids name the URL paths, so they are unique across all resources and both kinds. */
  addWebhook(handler: WebhookHandler): void {
    const clash = this.webhooks.find((h) => h.id === handler.id);
    if (clash && clash.fn !== handler.fn) {
      throw new Error(`Duplicate webhook id '${handler.id}'; give one of them another \`id\`.`);
    }
    if (!clash) this.webhooks.push(handler);
  }

  #refuseDuplicate(existing: readonly HandlerIdentity[], handler: HandlerIdentity): void {
    if (existing.some((h) => h.id === handler.id && sameSelector(h.selector, handler.selector))) {
      const key = selectorKey(handler.selector);
      throw new Error(`Duplicate handler id '${handler.id}' for ${key}; give one of them another \`id\`.`);
    }
  }

  /** Distinct resource selectors of all handlers, in registration order. */
  selectors(): HandlerSelector[] {
    const seen: HandlerSelector[] = [];
    for (const h of [...this.changing, ...this.spawning, ...this.rawEvents, ...this.indexing]) {
      if (!seen.some((selector) => sameSelector(selector, h.selector))) seen.push(h.selector);
    }
    return seen;
  }
}

/** What tells per-object handlers apart: their id and resource. */
type HandlerIdentity = Pick<ChangingHandler, 'id' | 'selector'>;

const KEY = Symbol.for('kopf-ts.registry');

/** The registry `kopf.on.*` uses when no `registry` option is given. */
export function defaultRegistry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  holder[KEY] ??= new Registry();
  return holder[KEY];
}
