import { Suspense, useEffect } from 'react';
import { OrgSwitcher } from './components/OrgSwitcher';
import { UserMenu } from './components/UserMenu';
import { SignInPage } from './pages/SignIn';
import { Link, matchPath, navigate, useLocation } from './router';
import { HOME, type PageRoute, ROUTES } from './routes';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider signIn={(done) => <SignInPage onSignedIn={done} />}>
      <Shell />
    </SessionProvider>
  );
}

function resolve(pathname: string): { route: PageRoute; params: Record<string, string> } | null {
  for (const route of ROUTES) {
    const m = matchPath(route.path, pathname);
    if (m) return { route, params: m.params };
  }
  return null;
}

function Shell() {
  const { me, can } = useSession();
  const { pathname } = useLocation();
  const found = resolve(pathname);

  useEffect(() => {
    if (pathname === '/' || pathname === '/signin') navigate(HOME, { replace: true });
  }, [pathname]);

  const title = found?.route.title;
  useEffect(() => {
    document.title = title ? `${title} · CoverWatch` : 'CoverWatch';
  }, [title]);

  const sections = new Map<string, PageRoute[]>();
  for (const r of ROUTES) {
    if (!r.nav || (r.permission && !can(r.permission))) continue;
    sections.set(r.nav.section, [...(sections.get(r.nav.section) ?? []), r]);
  }
  const readOnly = me.acting.access === 'insurer';
  const Page = found?.route.component;

  return (
    <div className="shell">
      <aside className="sidebar">
        <Link to={HOME} className="brand">
          <svg viewBox="0 0 16 16" width="20" height="20" aria-hidden="true">
            <path d="M8 1 2 3.5v4C2 11 4.6 14 8 15c3.4-1 6-4 6-7.5v-4z" fill="currentColor" />
          </svg>
          CoverWatch
        </Link>
        <nav aria-label="Main">
          {[...sections].map(([section, routes]) => (
            <div key={section} className="nav-section">
              <div className="nav-heading">{section}</div>
              {routes.map((r) => {
                const active =
                  r.path === found?.route.path ||
                  (r.path === HOME && pathname.startsWith('/inventory/devices/'));
                return (
                  <Link
                    key={r.path}
                    to={r.path}
                    className={active ? 'nav-item active' : 'nav-item'}
                    aria-current={active ? 'page' : undefined}
                  >
                    {r.nav!.label}
                  </Link>
                );
              })}
            </div>
          ))}
        </nav>
      </aside>
      <div className="main">
        <header className="topbar">
          <OrgSwitcher />
          {readOnly && (
            <span className="badge badge-info readonly" data-testid="read-only">
              read-only (insurer access)
            </span>
          )}
          <div className="spacer" />
          <UserMenu />
        </header>
        <main className="content" key={me.acting.id}>
          {Page ? (
            <Suspense fallback={<div className="muted">Loading…</div>}>
              <Page params={found.params} />
            </Suspense>
          ) : pathname === '/' || pathname === '/signin' ? null : (
            <div className="empty">
              <h1>Not found</h1>
              <p>
                Nothing lives at <code>{pathname}</code>. <Link to={HOME}>Go to the device inventory</Link>.
              </p>
            </div>
          )}
        </main>
      </div>
    </div>
  );
}
