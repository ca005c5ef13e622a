import './styles.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  CALLBACK_PATH,
  completeSignIn,
  getSession,
  loadConfig,
  markFailed,
  onSession,
  type Session,
  SignInError,
  signedOutReason,
  signIn,
  signOut,
} from './auth.js';
import { getLang, type Key, onLang, t } from './i18n.js';
import { navigate, useLocation } from './router.js';
import { matchPage, PAGES } from './routes.js';
import { LangSwitch, Link, useLoad } from './ui.js';

function NotFound() {
  return (
    <section>
      <h1 tabIndex={-1}>{t('common.notFound')}</h1>
      <Link href="/">{t('nav.fleet')}</Link>
    </section>
  );
}

function Shell({ session }: { session: Session }) {
  const { path, query } = useLocation();
  const match = matchPage(path);
  const arrived = useRef(true);
  useEffect(() => {
    document.title = `${match ? t(match.page.title) : t('common.notFound')} · ${t('app.title')}`;
    // A new page: the focus goes to its heading so screen readers announce it. On arrival the
    // browser's own order applies (Tab reaches the skip link first).
    if (arrived.current) {
      arrived.current = false;
      return;
    }
    const main = document.getElementById('main');
    if (!main?.contains(document.activeElement))
      main?.querySelector<HTMLElement>('h1')?.focus({ preventScroll: true });
  }, [path]);
  const roles = session.roles.map((r) => (ROLE_KEYS[r] ? t(`role.${r}` as Key) : r)).join(', ');
  return (
    <div class="shell">
      <a class="skip" href="#main">
        {t('common.skip')}
      </a>
      <header class="top">
        <span class="brand">{t('app.title')}</span>
        <span class="who">
          {session.name}
          {session.tenant ? ` · ${session.tenant}` : ''}
          {roles ? ` (${roles})` : ''}
        </span>
        <LangSwitch />
        <button type="button" class="secondary" onClick={() => void signOut()}>
          {t('signin.signOut')}
        </button>
      </header>
      <nav aria-label={t('nav.label')}>
        <ul>
          {PAGES.filter((p) => p.nav).map((p) => (
            <li key={p.nav}>
              <Link href={p.nav as string} aria-current={p.nav === path ? 'page' : undefined}>
                {t(p.title)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {match ? match.page.render(match.params, query) : <NotFound />}
      </main>
    </div>
  );
}

/** The contract's roles (CONTRACT.md v2); another role shows as its name. */
const ROLE_KEYS: Record<string, true> = { 'hq-admin': true, merchandiser: true, buyer: true, viewer: true };

function signInErrorText(err: unknown): string {
  if (err instanceof SignInError) {
    if (err.code === 'access_denied') return t('signin.denied');
    if (err.code === 'not-configured') return t('signin.notConfigured');
    return t('signin.failed', { detail: err.description || err.code });
  }
  return t('signin.failed', { detail: err instanceof Error ? err.message : String(err) });
}

/** No session: one button to the provider's page; why the user is here, when there is a reason. */
function SignInPage({ error }: { error: unknown }) {
  const config = useLoad(loadConfig);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const reason = signedOutReason();
  const configured = config.data ? Boolean(config.data.issuer && config.data.clientId) : true;
  useEffect(() => {
    document.title = `${t('signin.title')} · ${t('app.title')}`;
  }, []);
  return (
    <div class="signin">
      <header class="top">
        <span class="brand">{t('app.title')}</span>
        <LangSwitch />
      </header>
      <main id="main" class="signin-card">
        <h1>{t('signin.title')}</h1>
        {reason === 'expired' && (
          <p class="notice" role="status">
            {t('signin.expired')}
          </p>
        )}
        {reason === 'signed-out' && (
          <p class="notice" role="status">
            {t('signin.signedOut')}
          </p>
        )}
        {(error || failure) && (
          <p class="alert" role="alert">
            {signInErrorText(failure ?? error)}
          </p>
        )}
        {config.error ? (
          <p class="alert" role="alert">
            {signInErrorText(config.error)}
          </p>
        ) : null}
        {!configured && <p class="notice">{t('signin.notConfigured')}</p>}
        <p>{t('signin.intro')}</p>
        <button
          type="button"
          disabled={busy || !configured || !config.data}
          onClick={() => {
            setBusy(true);
            const back =
              new URLSearchParams(location.search).get('returnTo') ?? location.pathname + location.search;
            signIn(back, getLang()).catch((err: unknown) => {
              setBusy(false);
              setFailure(err);
            });
          }}
        >
          {t('signin.button')}
        </button>
      </main>
    </div>
  );
}

function App() {
  const [session, setSessionState] = useState(getSession());
  const [, setLangState] = useState(getLang());
  const [callback, setCallback] = useState(location.pathname === CALLBACK_PATH);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => onSession(() => setSessionState(getSession())), []);
  useEffect(() => onLang(setLangState), []);
  useEffect(() => {
    document.documentElement.lang = getLang();
    if (!callback) return;
    completeSignIn().then(
      (returnTo) => {
        navigate(returnTo === CALLBACK_PATH ? '/' : returnTo, true);
        setCallback(false);
      },
      (err: unknown) => {
        markFailed();
        setError(err);
        setCallback(false);
      },
    );
  }, []);
  if (callback)
    return (
      <p class="signin-wait" role="status">
        {t('signin.completing')}
      </p>
    );
  return session ? <Shell session={session} /> : <SignInPage error={error} />;
}

render(<App />, document.getElementById('app') as HTMLElement);
