import { useEffect, useRef } from 'react';
import { useSession } from '../session';

export function UserMenu() {
  const { me, signOut } = useSession();
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (e: MouseEvent) => {
      if (ref.current?.open && !ref.current.contains(e.target as Node)) ref.current.open = false;
    };
    document.addEventListener('click', close);
    return () => document.removeEventListener('click', close);
  }, []);
  const who = me.actor.name || me.actor.email || me.actor.kind;
  const own = me.organisations.find((o) => o.access === 'own');
  return (
    <details className="user-menu" ref={ref}>
      <summary data-testid="user-menu">
        <span className="avatar" aria-hidden="true">
          {who.slice(0, 1).toUpperCase()}
        </span>
        <span className="user-name">{who}</span>
        <span className="muted">{me.actor.role}</span>
      </summary>
      <div className="menu">
        <div className="menu-info">
          <div>{me.actor.email}</div>
          <div className="muted small">
            {me.actor.role} at {own?.name ?? me.actor.orgId}
          </div>
        </div>
        <a className="menu-item" href="/api/docs" target="_blank" rel="noreferrer">
          API documentation
        </a>
        <button className="menu-item" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </details>
  );
}
