/**
 * Who is signed in and which organisation they act on. `/api/v1/me` is the source of truth; the
 * acting organisation is the x-org-id kept in localStorage (api.ts), set by the org switcher.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { ApiError, api, type Me, onSessionLost, type Permission, setActingOrgId } from './api';

export interface Session {
  me: Me;
  can: (permission: Permission) => boolean;
  /** Act on another organisation (insurer users); every page reloads its data. */
  switchOrg: (orgId: string) => Promise<void>;
  signOut: () => Promise<void>;
}

type State =
  | { phase: 'loading' }
  | { phase: 'signed-out' }
  | { phase: 'error'; error: ApiError }
  | { phase: 'ready'; me: Me };

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside <SessionProvider>');
  return s;
}

async function loadMe(): Promise<Me | null> {
  try {
    return await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    // A remembered organisation the user may no longer act on (relation ended, another user signed
    // in on this browser) answers not_found: fall back to the user's own organisation.
    if (e instanceof ApiError && (e.kind === 'not_found' || e.kind === 'forbidden')) {
      setActingOrgId(null);
      return api.me();
    }
    throw e;
  }
}

export function SessionProvider({
  signIn,
  children,
}: {
  signIn: (done: () => void) => ReactNode;
  children: ReactNode;
}) {
  const [state, setState] = useState<State>({ phase: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const me = await loadMe();
      setState(me ? { phase: 'ready', me } : { phase: 'signed-out' });
    } catch (e) {
      setState({ phase: 'error', error: e as ApiError });
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onSessionLost(() => setState({ phase: 'signed-out' }));
  }, [refresh]);

  const switchOrg = useCallback(
    async (orgId: string) => {
      if (state.phase !== 'ready') return;
      setActingOrgId(orgId === state.me.actor.orgId ? null : orgId);
      await refresh();
    },
    [state, refresh],
  );

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setActingOrgId(null);
      setState({ phase: 'signed-out' });
    }
  }, []);

  if (state.phase === 'loading') return <div className="boot">Loading…</div>;
  if (state.phase === 'signed-out')
    return signIn(() => {
      setActingOrgId(null);
      void refresh();
    });
  if (state.phase === 'error')
    return (
      <div className="boot">
        <div className="alert alert-error" role="alert">
          {state.error.message}
        </div>
        <button className="btn" onClick={() => void refresh()}>
          Retry
        </button>
      </div>
    );
  const me = state.me;
  const session: Session = {
    me,
    can: (p) => me.acting.permissions.includes(p),
    switchOrg,
    signOut,
  };
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
