import { useState } from 'preact/hooks';
import { api, isAdmin, type Session } from '../api.js';
import { dateTime, type Key, t } from '../i18n.js';
import { ErrorText, Field, fieldErrors, useLoad } from '../ui.js';

interface User {
  username: string;
  role: string;
  createdAt: string;
  disabled: boolean;
}
const ROLES = ['associate', 'manager', 'admin'] as const;

function RoleSelect(props: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  describedBy?: string;
}) {
  return (
    <select
      id={props.id}
      value={props.value}
      aria-describedby={props.describedBy}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {t(`role.${r}` as Key)}
        </option>
      ))}
    </select>
  );
}

function AddUser({ onAdded }: { onAdded: (name: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState('associate');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    if (password.length < 8) {
      setErrors({ password: t('users.passwordRule') });
      return;
    }
    try {
      await api('/users', { body: { username: username.trim(), password, role } });
      setErrors({});
      setUsername('');
      setPassword('');
      onAdded(username.trim());
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(err);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-user" noValidate>
      <h2 id="add-user">{t('users.add')}</h2>
      <Field label={t('login.username')} error={errors.username}>
        {(id, d) => (
          <input
            id={id}
            name="username"
            value={username}
            autocomplete="off"
            autocapitalize="none"
            aria-describedby={d}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label={t('login.password')} error={errors.password} hint={t('users.passwordRule')}>
        {(id, d) => (
          <input
            id={id}
            name="password"
            type="password"
            autocomplete="new-password"
            value={password}
            aria-describedby={d}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label={t('users.role')} error={errors.role}>
        {(id, d) => <RoleSelect id={id} value={role} onChange={setRole} describedBy={d} />}
      </Field>
      <ErrorText error={Object.keys(errors).length ? null : error} />
      <button type="submit">{t('users.addButton')}</button>
    </form>
  );
}

function UserRow({ user, onChanged }: { user: User; onChanged: (text: string) => void }) {
  const [role, setRole] = useState(user.role);
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const saveRole = async () => {
    try {
      await api(`/users/${encodeURIComponent(user.username)}`, { method: 'PUT', body: { role } });
      onChanged(t('users.roleSaved', { user: user.username }));
    } catch (err) {
      setError(err);
    }
  };
  const savePassword = async (e: Event) => {
    e.preventDefault();
    if (password.length < 8) {
      setError(new Error(t('users.passwordRule')));
      return;
    }
    try {
      await api(`/users/${encodeURIComponent(user.username)}`, { method: 'PUT', body: { password } });
      setResetting(false);
      setPassword('');
      setError(null);
      onChanged(t('users.passwordSaved', { user: user.username }));
    } catch (err) {
      setError(err);
    }
  };
  const roleId = `role-${user.username}`;
  const pwId = `pw-${user.username}`;
  return (
    <tr data-user={user.username}>
      <th scope="row">{user.username}</th>
      <td>
        <label class="sr-only" for={roleId}>
          {t('users.roleOf', { user: user.username })}
        </label>
        <div class="row">
          <RoleSelect id={roleId} value={role} onChange={setRole} />
          <button type="button" class="secondary small" disabled={role === user.role} onClick={saveRole}>
            {t('users.saveRole')}
          </button>
        </div>
      </td>
      <td>{dateTime(user.createdAt)}</td>
      <td>
        {resetting ? (
          <form class="row" onSubmit={savePassword}>
            <label class="sr-only" for={pwId}>
              {t('users.newPasswordFor', { user: user.username })}
            </label>
            <input
              id={pwId}
              type="password"
              autocomplete="new-password"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <button type="submit" class="small">
              {t('common.save')}
            </button>
          </form>
        ) : (
          <button type="button" class="secondary small" onClick={() => setResetting(true)}>
            {t('users.resetPassword')} <span class="sr-only">{user.username}</span>
          </button>
        )}
        <ErrorText error={error} />
      </td>
    </tr>
  );
}

export function UsersPage({ session }: { session: Session }) {
  const users = useLoad(() => api<{ users: User[] }>('/users').then((r) => r.users));
  const [note, setNote] = useState<string | null>(null);
  if (!isAdmin(session)) {
    return (
      <section aria-labelledby="page-title">
        <h1 id="page-title" tabIndex={-1}>
          {t('nav.users')}
        </h1>
        <p class="notice" role="note">
          {t('users.adminsOnly')}
        </p>
      </section>
    );
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.users')}
      </h1>
      {note && (
        <p class="success" role="status">
          {note}
        </p>
      )}
      <div class="columns">
        <section aria-labelledby="user-list">
          <h2 id="user-list">{t('users.list')}</h2>
          <ErrorText error={users.error} />
          {users.data && (
            <div class="scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('login.username')}</th>
                    <th scope="col">{t('users.role')}</th>
                    <th scope="col">{t('users.created')}</th>
                    <th scope="col">{t('login.password')}</th>
                  </tr>
                </thead>
                <tbody>
                  {users.data
                    .filter((u) => u.role !== 'device')
                    .map((u) => (
                      <UserRow
                        key={`${u.username}-${u.role}`}
                        user={u}
                        onChanged={(text) => {
                          setNote(text);
                          users.reload();
                        }}
                      />
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <AddUser
          onAdded={(name) => {
            setNote(t('users.added', { user: name }));
            users.reload();
          }}
        />
      </div>
    </section>
  );
}
