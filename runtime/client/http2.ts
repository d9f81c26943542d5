/**
 * HTTP/2 to the API server (`settings.networking.http2`): a few long-lived sessions, every request and
 * every watch a stream of one of them, instead of a pool of HTTP/1.1 connections. The protocol is
 * negotiated per server with ALPN: a server that does not select `h2` gets HTTP/1.1 (the caller's
 * agents), for as long as the connection's credentials last.
 *
 * A session carries at most as many streams as the server's SETTINGS allow
 * (`SETTINGS_MAX_CONCURRENT_STREAMS`; the apiserver's `--http2-max-streams-per-connection`): watches
 * hold their streams for minutes, so when a session is full, the next request opens another session
 * rather than queueing behind them. A session the server sends GOAWAY to takes no new streams; its
 * running ones finish, and the next request opens a fresh session.
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
   * A session with a free stream, reserved for one stream until `release` is called; `undefined` when
   * the server does not speak HTTP/2 (then use HTTP/1.1).
   */
  acquire(): Promise<{ session: http2.ClientHttp2Session; release: () => void } | undefined>;
  /** Close every session (running streams are cut). */
  close(): void;
}

/** Used until the server's SETTINGS arrive (the apiserver's default is 250). */
const ASSUMED_MAX_STREAMS = 100;

/** Idle sessions are closed after this long, as the HTTP/1.1 agents close idle sockets. */
const IDLE_SESSION_SECONDS = 30;

interface Slot {
  session: http2.ClientHttp2Session;
  /** Streams reserved or running. */
  streams: number;
  /** The server sent GOAWAY or the session failed: no new streams. */
  draining: boolean;
}

export function http2Sessions(target: Http2Target): Http2Sessions {
  const slots: Slot[] = [];
  /** The ALPN outcome, learnt once: `false` when the server chose HTTP/1.1. */
  let speaksHttp2: boolean | undefined;
  let opening: Promise<Slot | undefined> | undefined;

  const capacity = (slot: Slot): number =>
    slot.session.remoteSettings.maxConcurrentStreams ?? ASSUMED_MAX_STREAMS;

  async function open(): Promise<Slot | undefined> {
    const socket = await negotiate(target);
    if (socket.alpnProtocol !== 'h2') {
      speaksHttp2 = false;
      socket.destroy();
      return undefined;
    }
    speaksHttp2 = true;
    const session = http2.connect(target.origin, { createConnection: () => socket });
    const slot: Slot = { session, streams: 0, draining: false };
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

  function reserve(slot: Slot): { session: http2.ClientHttp2Session; release: () => void } {
    if (slot.streams++ === 0) slot.session.ref();
    let released = false;
    return {
      session: slot.session,
      release: () => {
        if (released) return;
        released = true;
        if (--slot.streams === 0 && !slot.session.destroyed) slot.session.unref();
        if (slot.draining && slot.streams === 0) slot.session.close();
      },
    };
  }

  return {
    async acquire() {
      if (speaksHttp2 === false) return undefined;
      for (;;) {
        const free = slots.find((s) => !s.draining && !s.session.destroyed && s.streams < capacity(s));
        if (free) return reserve(free);
        // One connection attempt at a time; concurrent callers share it.
        opening ??= open().finally(() => (opening = undefined));
        const slot = await opening;
        if (!slot) return undefined;
        if (!slot.draining && slot.streams < capacity(slot)) return reserve(slot);
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
    socket.once('secureConnect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
