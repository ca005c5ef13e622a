import { useState } from 'preact/hooks';
import { ApiError, login } from '../api.js';
import { t } from '../i18n.js';
import { Field, LangSwitch } from '../ui.js';

export function LoginPage() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.status === 401
            ? t('login.wrong')
            : err.status === 0
              ? t('common.unreachable')
              : err.detail
          : String(err),
      );
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form onSubmit={submit} class="card" aria-labelledby="login-title">
        <h1 id="login-title">{t('app.title')}</h1>
        <p>{t('login.intro')}</p>
        <Field label={t('login.username')}>
          {(id) => (
            <input
              id={id}
              name="username"
              autocomplete="username"
              autocapitalize="none"
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label={t('login.password')}>
          {(id) => (
            <input
              id={id}
              name="password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          )}
        </Field>
        {error && (
          <p class="alert" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {t('login.submit')}
        </button>
        <LangSwitch />
      </form>
    </main>
  );
}
