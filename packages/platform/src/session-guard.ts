import type { DirectoryView } from '@lienthong/directory';
import type { Logger, Principal } from '@lienthong/service-kit';

/** A long-lived session (a WebSocket) and how to end it. */
export interface GuardedSession {
  readonly principal: Principal;
  /** What it is, for metrics (e.g. the route: `/v1/stream`). */
  readonly endpoint: string;
  /** Ends the session (see `endSocket`); called at most once. */
  readonly end: () => void;
}

export interface SessionGuard {
  /**
   * Watches a session from now on; returns the function that stops watching it (call it on
   * close). A session whose credentials already stopped working is ended at once.
   */
  track(session: GuardedSession): () => void;
  readonly size: number;
  close(): void;
}

/**
 * Ends sessions whose credentials stopped working: a revoked system or staff member, or a token
 * rotated away (the session's principal carries the hash of the token it authenticated with).
 * Authentication happens once, at the upgrade; this is what makes a revocation reach sockets
 * already open. The directory's credentials epoch is polled (a number compare); only when it
 * moves are the sessions checked, once per principal and credential.
 */
export function createSessionGuard(
  directory: Pick<DirectoryView, 'credentialsEpoch' | 'sessionValid'>,
  options: { checkMs?: number; logger?: Logger; onEnd?: (session: GuardedSession) => void } = {},
): SessionGuard {
  const sessions = new Map<object, GuardedSession>();
  let epoch = directory.credentialsEpoch();
  const end = (session: GuardedSession): void => {
    options.logger?.info(
      { principal: `${session.principal.kind}:${session.principal.id}`, endpoint: session.endpoint },
      'session ended: credentials revoked or rotated',
    );
    options.onEnd?.(session);
    session.end();
  };
  const sweep = (): void => {
    const now = directory.credentialsEpoch();
    if (now === epoch) return;
    epoch = now;
    const verdicts = new Map<string, boolean>();
    for (const [key, session] of sessions) {
      const p = session.principal;
      const id = `${p.kind}:${p.id}:${'credential' in p ? (p.credential ?? '') : ''}`;
      let valid = verdicts.get(id);
      if (valid === undefined) verdicts.set(id, (valid = directory.sessionValid(p)));
      if (valid) continue;
      sessions.delete(key);
      end(session);
    }
  };
  const timer = setInterval(() => {
    try {
      sweep();
    } catch (error) {
      options.logger?.error({ err: error }, 'session guard: checking sessions failed');
    }
  }, options.checkMs ?? 1000);
  timer.unref();
  return {
    track(session) {
      if (!directory.sessionValid(session.principal)) {
        end(session);
        return () => {};
      }
      const key = {};
      sessions.set(key, session);
      return () => void sessions.delete(key);
    },
    get size() {
      return sessions.size;
    },
    close() {
      clearInterval(timer);
      sessions.clear();
    },
  };
}

/** What `endSocket` needs of a WebSocket (`ws`). */
export interface ClosableSocket {
  readonly readyState: number;
  close(code: number, reason: string): void;
  terminate(): void;
}

/**
 * Ends a WebSocket whose credentials stopped working: a close frame (1008, policy violation),
 * then the connection cut if the peer has not closed within a second (until its close frame
 * arrives, `ws` still delivers its messages: handlers must check `readyState` is OPEN).
 */
export function endSocket(socket: ClosableSocket, reason = 'credentials revoked'): void {
  socket.close(1008, reason);
  setTimeout(() => socket.terminate(), 1000).unref();
}
