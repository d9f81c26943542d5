/**
 * HTTP/2 to the API server (`settings.networking.http2`): a few long-lived sessions, every request and
 * every watch a stream of one of them, instead of a pool of HTTP/1.1 connections. The protocol is
 * negotiated per server with ALPN: a server that does not select `h2` gets HTTP/1.1 (the caller's
 * agents), for as long as the connection's credentials last.
 *
 * Ordinary requests share the first session: beyond the server's limit of concurrent streams
 * (`SETTINGS_MAX_CONCURRENT_STREAMS`; the apiserver's `--http2-max-streams-per-connection`), node's
 * HTTP/2 queues them until streams finish — measured cheaper than more connections. Watches hold
 * their streams for minutes, so they take at most half of a session's streams, and the next watch
 * opens another session: requests never queue behind watches. A session the server sends GOAWAY to
 * takes no new streams; its running ones finish, and the next request opens a fresh session.
 */
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';

/** How to reach the server over TLS (the same context the HTTP/1.1 agents use). */
export interface Http2Target {
  /** `https://host:port`. */
  origin: string;
  secureContext: tls.SecureContext;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** The sessions to one server, opened on demand. */
export interface Http2Sessions {
  /**
   * A session for one stream (a long-lived one if `streaming`), reserved until `release` is called;
   * `undefined` when the server does not speak HTTP/2 (then use HTTP/1.1).
   */
  acquire(
    streaming: boolean,
  ): Promise<{ session: http2.ClientHttp2Session; release: () => void } | undefined>;
  /** Close every session (running streams are cut). */
  close(): void;
}

/** Idle sessions are closed after this long, as the HTTP/1.1 agents close idle sockets. */
const IDLE_SESSION_SECONDS = 30;

/**
 * A connection attempt (TLS, ALPN, the server's SETTINGS) that takes longer fails: the requests
 * waiting for it fail as connection errors and are retried (their own time limits apply as well).
 */
const CONNECT_SECONDS = 30;

interface Slot {
  session: http2.ClientHttp2Session;
  /** Streams reserved or running. */
  streams: number;
  /** Of those, long-lived ones (watches). */
  watches: number;
  /** The server sent GOAWAY or the session failed: no new streams. */
  draining: boolean;
}

export function http2Sessions(target: Http2Target): Http2Sessions {
  const slots: Slot[] = [];
  /** The ALPN outcome, learnt once: `false` when the server chose HTTP/1.1. */
  let speaksHttp2: boolean | undefined;
  let opening: Promise<Slot | undefined> | undefined;

  const usable = (slot: Slot, streaming: boolean): boolean => {
    if (slot.draining || slot.session.destroyed) return false;
    if (!streaming) return true;
    const limit = slot.session.remoteSettings.maxConcurrentStreams ?? 100;
    return slot.watches < Math.max(1, Math.floor(limit / 2));
  };

  async function open(): Promise<Slot | undefined> {
    const socket = await negotiate(target);
    if (socket.alpnProtocol !== 'h2') {
      speaksHttp2 = false;
      socket.destroy();
      return undefined;
    }
    speaksHttp2 = true;
    const session = http2.connect(target.origin, { createConnection: () => socket });
    // The server's SETTINGS (its stream limit) come first on every connection.
    try {
      await within(
        CONNECT_SECONDS,
        new Promise<void>((resolve, reject) => {
          session.once('remoteSettings', () => {
            session.removeListener('error', reject);
            resolve();
          });
          session.once('error', reject);
        }),
      );
    } catch (error) {
      session.destroy();
      throw error;
    }
    const slot: Slot = { session, streams: 0, watches: 0, draining: false };
    const retire = () => {
      slot.draining = true;
      const index = slots.indexOf(slot);
      if (index >= 0) slots.splice(index, 1);
    };
    // Stream errors reach their requests; a session error only retires the session.
    session.on('error', retire);
    session.on('goaway', retire);
    session.on('close', retire);
    session.setTimeout(IDLE_SESSION_SECONDS * 1000, () => {
      if (slot.streams === 0) session.close();
    });
    session.unref(); // an idle session does not keep the process alive; running streams do (ref below)
    slots.push(slot);
    return slot;
  }

  function reserve(
    slot: Slot,
    streaming: boolean,
  ): { session: http2.ClientHttp2Session; release: () => void } {
    if (slot.streams++ === 0) slot.session.ref();
    if (streaming) slot.watches++;
    let released = false;
    return {
      session: slot.session,
      release: () => {
        if (released) return;
        released = true;
        if (streaming) slot.watches--;
        if (--slot.streams === 0 && !slot.session.destroyed) slot.session.unref();
        if (slot.draining && slot.streams === 0) slot.session.close();
      },
    };
  }

  return {
    async acquire(streaming) {
      if (speaksHttp2 === false) return undefined;
      for (;;) {
        const free = slots.find((slot) => usable(slot, streaming));
        if (free) return reserve(free, streaming);
        // One connection attempt at a time; concurrent callers share it.
        opening ??= open().finally(() => (opening = undefined));
        const slot = await opening;
        if (!slot) return undefined;
        if (usable(slot, streaming)) return reserve(slot, streaming);
      }
    },
    close() {
      for (const slot of slots.splice(0)) slot.session.destroy();
    },
  };
}

/** A TLS connection offering h2 and http/1.1; the caller reads the server's choice. */
function negotiate(target: Http2Target): Promise<tls.TLSSocket> {
  const url = new URL(target.origin);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const servername = target.servername ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      secureContext: target.secureContext,
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(target.rejectUnauthorized !== undefined ? { rejectUnauthorized: target.rejectUnauthorized } : {}),
      // SNI for names only, as node's https does (never for IP addresses).
      ...(servername ? { servername } : {}),
    });
    const timer = setTimeout(
      () => socket.destroy(new Error(`no TLS connection within ${CONNECT_SECONDS} s`)),
      CONNECT_SECONDS * 1000,
    );
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** `promise`, or a rejection after `seconds`. */
function within<T>(seconds: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no HTTP/2 settings within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
