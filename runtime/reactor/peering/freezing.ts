/**
 * `kopf freeze` / `kopf resume`: write a record for a fake peer (`user@host` or `--id`) on the
 * boards of the given namespaces (or cluster-wide), as Kopf does. A frozen operator sees a live peer
 * of higher priority and pauses; `resume` removes the record (Kopf writes lifetime 0, i.e. removal).
 */
import type { ApiClient } from '../../client/types.ts';
import type { OperatorSettings } from '../../structs/settings.ts';
import { isNamespaceAlive, NAMESPACES } from '../../watching/namespace-observer.ts';
import { isLiteralNamespace, literalNamespaces, matchAnyNamespace } from '../../watching/namespaces.ts';
import { describeTarget, writeRecords, type PeeringTarget } from './keepalive.ts';
import { peerRecord } from './peers.ts';
import { servedPeeringResources } from './resources.ts';

export interface BoardCommand {
  client: ApiClient;
  settings: OperatorSettings;
  identity: string;
  /** Namespace patterns; undefined for the cluster-wide board. */
  namespaces: readonly string[] | undefined;
  /** Seconds the freeze lasts; 0 removes our record (resume). */
  lifetime: number;
}

/** Thrown when there is no board to write to: the message says which and why. */
export class BoardMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoardMissingError';
  }
}

/** Write (or remove) the record on every board; returns a line per board written. */
export async function touchBoards(command: BoardCommand): Promise<string[]> {
  const { client, settings, identity, lifetime } = command;
  const clusterwide = command.namespaces === undefined;
  const resources = await servedPeeringResources(client, clusterwide);
  const kind = clusterwide ? 'ClusterKopfPeering' : 'KopfPeering';
  if (!resources.length)
    throw new BoardMissingError(`The ${kind} CRD is missing: there is no peering to freeze or resume.`);
  const namespaces =
    command.namespaces === undefined ? [undefined] : await servedNamespaces(client, command.namespaces);
  const record = lifetime > 0 ? peerRecord(settings.peering.priority, lifetime) : null;
  const lines: string[] = [];
  const missing: string[] = [];
  for (const namespace of namespaces) {
    for (const resource of resources) {
      const target: PeeringTarget = { resource, namespace, name: settings.peering.name };
      const found = await writeRecords(client, target, { [identity]: record });
      if (!found) missing.push(describeTarget(target));
      else if (record)
        lines.push(
          `Frozen ${describeTarget(target)} as ${identity} (priority ${record.priority}) for ${lifetime} s.`,
        );
      else lines.push(`Resumed ${describeTarget(target)}: removed ${identity}.`);
    }
  }
  // The legacy zalando.org board is optional; a missing kopf.dev board is worth an error.
  if (!lines.length)
    throw new BoardMissingError(
      `The peering object ${missing.join(', ') || settings.peering.name} does not exist.`,
    );
  return lines;
}

async function servedNamespaces(client: ApiClient, patterns: readonly string[]): Promise<string[]> {
  if (patterns.every(isLiteralNamespace)) return literalNamespaces(patterns);
  const { items } = await client.list(NAMESPACES, undefined);
  return items
    .filter((ns) => isNamespaceAlive(ns) && matchAnyNamespace(ns.metadata?.name ?? '', patterns))
    .map((ns) => ns.metadata!.name!);
}
