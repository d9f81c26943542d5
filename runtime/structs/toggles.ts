/**
 * Pausing switches (Kopf's `Toggle`/`ToggleSet`): the orchestration owns one {@link ToggleSet} per
 * operator; peering (one toggle per peering object), leader election and a missing mandatory peering
 * CRD each add their own {@link Toggle}. The set is "on" (paused) while any of its toggles is on.
 * Watch streams and daemon spawners only read the set; they never know who paused them or why.
 */

/** One reason to pause, switched by its owner. */
export interface Toggle {
  readonly name: string;
  isOn(): boolean;
  turnTo(on: boolean): void;
}

/** What consumers of a pause switch need: the state, a wait for a state, and change notifications. */
export interface PauseSwitch {
  isOn(): boolean;
  /** Resolves once the switch is in `state` (at once if it already is), or when `signal` aborts. */
  waitFor(state: boolean, signal?: AbortSignal): Promise<void>;
  /** Call `listener` on every change of the overall state; returns the unsubscribe function. */
  onChange(listener: (on: boolean) => void): () => void;
}

/** A set of toggles that is on while any toggle is on (the only combination pausing needs). */
export class ToggleSet implements PauseSwitch {
  readonly #toggles = new Map<Toggle, { name: string; on: boolean }>();
  readonly #listeners = new Set<(on: boolean) => void>();
  #state = false;

  isOn(): boolean {
    return this.#state;
  }

  /** The names of the toggles that are on (for log lines saying why the operator is paused). */
  reasons(): string[] {
    return [...this.#toggles.values()].filter((t) => t.on).map((t) => t.name);
  }

  /** A new toggle in this set, initially `on` or off. */
  makeToggle(name: string, on = false): Toggle {
    const entry = { name, on };
    const toggle: Toggle = {
      name,
      isOn: () => entry.on,
      turnTo: (value: boolean) => {
        if (entry.on === value) return;
        entry.on = value;
        this.#update();
      },
    };
    this.#toggles.set(toggle, entry);
    this.#update();
    return toggle;
  }

  /** Remove a toggle (its owner has gone away): it no longer pauses anything. */
  dropToggle(toggle: Toggle): void {
    this.#toggles.delete(toggle);
    this.#update();
  }

  waitFor(state: boolean, signal?: AbortSignal): Promise<void> {
    if (this.#state === state || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const unsubscribe = this.onChange((on) => on === state && done());
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  onChange(listener: (on: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #update(): void {
    const state = [...this.#toggles.values()].some((t) => t.on);
    if (state === this.#state) return;
    this.#state = state;
    for (const listener of [...this.#listeners]) listener(state);
  }
}
