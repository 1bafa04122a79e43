import type { DirectoryView } from '@lienthong/directory';
import type { Logger, Principal } from '@lienthong/service-kit';

/** A long-lived session (a WebSocket) and how to end it. */
export interface GuardedSession {
  readonly principal: Principal;
  /** Ends the session (closes the socket); called once. */
  readonly end: () => void;
}

export interface SessionGuard {
  /** Watches a session from now on; returns the function that stops watching it (call it on close). */
  track(session: GuardedSession): () => void;
  readonly size: number;
  close(): void;
}

/**
 * Ends sessions whose credentials stopped working after they opened: a revoked system or staff
 * member, or a token rotated away. Authentication happens once, at the upgrade; this is what makes
 * a revocation reach sockets already open. The directory's credentials epoch is polled (a number
 * compare); only when it moves are the sessions checked, once per principal.
 */
export function createSessionGuard(directory: Pick<DirectoryView, 'credentialsEpoch' | 'sessionValid'>, options: { checkMs?: number; logger?: Logger } = {}): SessionGuard {
  const sessions = new Map<object, GuardedSession & { openedAt: string }>();
  let epoch = directory.credentialsEpoch();
  const sweep = (): void => {
    const now = directory.credentialsEpoch();
    if (now === epoch) return;
    epoch = now;
    const verdicts = new Map<string, boolean>();
    for (const [key, session] of sessions) {
      const id = `${session.principal.kind}:${session.principal.id}:${session.openedAt}`;
      let valid = verdicts.get(id);
      if (valid === undefined) verdicts.set(id, (valid = directory.sessionValid(session.principal, session.openedAt)));
      if (valid) continue;
      sessions.delete(key);
      options.logger?.info({ principal: `${session.principal.kind}:${session.principal.id}` }, 'session ended: credentials revoked or rotated');
      session.end();
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
      const key = {};
      sessions.set(key, { ...session, openedAt: new Date().toISOString() });
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
