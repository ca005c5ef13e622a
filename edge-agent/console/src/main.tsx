import './styles.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getSession, isAdmin, isManager, logout, onSession, type Session } from './api.js';
import { connectEvents, disconnectEvents, useLive } from './events.js';
import { getLang, type Key, onLang, t } from './i18n.js';
import { BookPage } from './pages/book.js';
import { Dashboard } from './pages/dashboard.js';
import { DeliveriesPage, DeliveryPage } from './pages/deliveries.js';
import { DevicesPage } from './pages/devices.js';
import { LabelsPage } from './pages/labels.js';
import { LoginPage } from './pages/login.js';
import { ReplicationPage } from './pages/replication.js';
import { RfidPage } from './pages/rfid.js';
import { StockPage } from './pages/stock.js';
import { UsersPage } from './pages/users.js';
import { navigate, useLocation } from './router.js';
import { LangSwitch, Link } from './ui.js';

interface NavItem {
  path: string;
  label: Key;
  show?: (s: Session) => boolean;
}
const NAV: NavItem[] = [
  { path: '/', label: 'nav.dashboard' },
  { path: '/stock', label: 'nav.stock' },
  { path: '/deliveries', label: 'nav.deliveries' },
  { path: '/book/receive', label: 'nav.receive' },
  { path: '/book/count', label: 'nav.count', show: isManager },
  { path: '/book/transfer', label: 'nav.transfer' },
  { path: '/book/adjust', label: 'nav.adjust', show: isManager },
  { path: '/labels', label: 'nav.labels' },
  { path: '/rfid', label: 'nav.rfid' },
  { path: '/devices', label: 'nav.devices' },
  { path: '/replication', label: 'nav.replication' },
  { path: '/users', label: 'nav.users', show: isAdmin },
];

function Page({ path, session }: { path: string; session: Session }) {
  if (path === '/') return <Dashboard />;
  if (path === '/stock') return <StockPage />;
  const book = /^\/book\/(receive|count|transfer|adjust)$/.exec(path);
  if (book) return <BookPage kind={book[1] as 'receive'} session={session} />;
  if (path === '/deliveries') return <DeliveriesPage />;
  const delivery = /^\/deliveries\/([^/]+)$/.exec(path);
  if (delivery) return <DeliveryPage id={decodeURIComponent(delivery[1] as string)} session={session} />;
  if (path === '/labels') return <LabelsPage session={session} />;
  if (path === '/rfid') return <RfidPage session={session} />;
  if (path === '/devices') return <DevicesPage session={session} />;
  if (path === '/replication') return <ReplicationPage />;
  if (path === '/users') return <UsersPage session={session} />;
  return (
    <section>
      <h1>{t('common.notFound')}</h1>
      <Link href="/">{t('nav.dashboard')}</Link>
    </section>
  );
}

function Shell({ session }: { session: Session }) {
  const { path } = useLocation();
  const live = useLive();
  useEffect(() => {
    connectEvents();
    return disconnectEvents;
  }, []);
  const current = NAV.find((n) => n.path === path);
  const arrived = useRef(true);
  useEffect(() => {
    document.title = `${current ? t(current.label) : t('app.title')} · ${t('app.title')}`;
    // A new page: move the focus to its heading so screen readers announce it, unless the page
    // already put it somewhere useful (the code field of a booking form).
    // On arrival the browser's own order applies (Tab reaches the skip link first).
    if (arrived.current) {
      arrived.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (!main?.contains(document.activeElement)) {
      main?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
    }
  }, [path, current]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t('common.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.title')}</span>
        <span class={`live ${live ? 'up' : 'down'}`} role="status">
          <span aria-hidden="true">{live ? '●' : '○'} </span>
          {live ? t('live.up') : t('live.down')}
        </span>
        <span class="who">
          {session.username} ({t(`role.${session.role}` as Key)})
        </span>
        <LangSwitch />
        <button
          type="button"
          class="secondary"
          onClick={() => {
            void logout().then(() => navigate('/'));
          }}
        >
          {t('login.logout')}
        </button>
      </header>
      <nav aria-label={t('nav.label')}>
        <ul>
          {NAV.filter((n) => !n.show || n.show(session)).map((n) => (
            <li key={n.path}>
              <Link href={n.path} aria-current={n.path === path ? 'page' : undefined}>
                {t(n.label)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        <Page path={path} session={session} />
      </main>
    </div>
  );
}

function App() {
  const [session, set] = useState(getSession());
  const [, setLangState] = useState(getLang());
  useEffect(() => onSession(set), []);
  useEffect(() => onLang(setLangState), []);
  useEffect(() => {
    document.documentElement.lang = getLang();
  }, []);
  return session ? <Shell session={session} /> : <LoginPage />;
}

render(<App />, document.getElementById('app') as HTMLElement);
