/**
 * The peering board (Kopf §7): a peering object's `status` maps each identity to
 * `{priority, lifetime, lastseen}`. Pure functions: parsing the board, writing our own record, and
 * judging who blocks whom. Higher priority pauses lower; equal priority pauses everyone.
 */
import { formatTimestamp, parseTimestamp } from '../../structs/times.ts';

/** One record on the board, exactly as Kopf writes it. */
export interface PeerRecord {
  priority: number;
  /** Seconds after `lastseen` until the peer counts as dead. */
  lifetime: number;
  /** ISO-8601 UTC with `+00:00`. */
  lastseen: string;
}

export interface Peer {
  identity: string;
  priority: number;
  lifetime: number;
  lastseen: Date;
  /** When the peer counts as dead unless it renews its record. */
  deadline: Date;
  dead: boolean;
}

/** Kopf assumes these for records that lack a field (older or foreign writers). */
const DEFAULT_PRIORITY = 0;
const DEFAULT_LIFETIME = 60;

/** Our record for `now`. */
export function peerRecord(priority: number, lifetime: number, now: Date = new Date()): PeerRecord {
  return { priority: Math.trunc(priority), lifetime: Math.trunc(lifetime), lastseen: formatTimestamp(now) };
}

/** The peers on a peering object's `status`; malformed entries (not objects) are skipped. */
export function parsePeers(status: unknown, now: Date = new Date()): Peer[] {
  if (!status || typeof status !== 'object') return [];
  const peers: Peer[] = [];
  for (const [identity, value] of Object.entries(status as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') continue;
    const record = value as Partial<Record<keyof PeerRecord, unknown>>;
    const priority = Number(record.priority ?? DEFAULT_PRIORITY);
    const lifetime = Math.trunc(Number(record.lifetime ?? DEFAULT_LIFETIME));
    const lastseen = typeof record.lastseen === 'string' ? (parseTimestamp(record.lastseen) ?? now) : now;
    const deadline = new Date(lastseen.getTime() + lifetime * 1000);
    peers.push({
      identity,
      priority: Number.isFinite(priority) ? priority : DEFAULT_PRIORITY,
      lifetime,
      lastseen,
      deadline,
      dead: deadline.getTime() <= now.getTime(),
    });
  }
  return peers;
}

/** Who is dead (to be cleaned), and which live others outrank or equal us. */
export interface Verdict {
  dead: Peer[];
  higher: Peer[];
  same: Peer[];
}

export function judgePeers(peers: readonly Peer[], identity: string, priority: number): Verdict {
  const live = peers.filter((peer) => !peer.dead && peer.identity !== identity);
  return {
    dead: peers.filter((peer) => peer.dead),
    higher: live.filter((peer) => peer.priority > priority),
    same: live.filter((peer) => peer.priority === priority),
  };
}

/** Kopf's representation in log lines: `<Peer id: priority=0, lifetime=60, lastseen='…'>`. */
export function describePeers(peers: readonly Peer[]): string {
  const one = (peer: Peer) =>
    `<Peer ${peer.identity}: priority=${peer.priority}, lifetime=${peer.lifetime}, lastseen='${formatTimestamp(peer.lastseen)}'>`;
  return `[${peers.map(one).join(', ')}]`;
}
