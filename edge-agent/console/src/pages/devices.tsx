import { useRef, useState } from 'preact/hooks';
import { ApiError, api, type Device, isManager, type Session } from '../api.js';
import { type Key, t } from '../i18n.js';
import { ErrorText, Field, fieldErrors } from '../ui.js';
import { DeviceTable, useDevices } from './dashboard.js';

type Kind = 'serial-scanner' | 'hid-scanner' | 'rfid-reader' | 'zpl-printer';
const KINDS: Kind[] = ['serial-scanner', 'hid-scanner', 'rfid-reader', 'zpl-printer'];
const MODES = ['lookup', 'receive', 'sale', 'return', 'count', 'damage'];

interface FieldSpec {
  name: string;
  type?: 'number' | 'password';
  options?: string[];
  placeholder?: string;
}

/** Kind-specific fields (CONTRACT.md "Edge agent settings", devices table). */
const FIELDS: Record<Kind, FieldSpec[]> = {
  'serial-scanner': [
    { name: 'path', placeholder: '/dev/ttyACM0' },
    { name: 'baudRate', type: 'number', placeholder: '9600' },
    { name: 'suffix', options: ['', '\\r', '\\n', '\\r\\n'] },
    { name: 'mode', options: MODES },
    { name: 'location', placeholder: 'store' },
  ],
  'hid-scanner': [
    { name: 'vendorId', placeholder: '0x05e0' },
    { name: 'productId', placeholder: '0x1200' },
    { name: 'path' },
    { name: 'protocol', options: ['pos', 'keyboard'] },
    { name: 'layout', placeholder: 'us' },
    { name: 'mode', options: MODES },
    { name: 'location', placeholder: 'store' },
  ],
  'rfid-reader': [
    { name: 'format', options: ['zebra-iot', 'impinj-iot'] },
    { name: 'topic', placeholder: 'readers/door-1/#' },
    { name: 'username' },
    { name: 'password', type: 'password' },
    { name: 'zone', placeholder: 'sales-floor' },
  ],
  'zpl-printer': [
    { name: 'address', placeholder: 'tcp://10.0.0.9:9100' },
    { name: 'dpmm', type: 'number', placeholder: '8' },
    { name: 'widthMm', type: 'number' },
    { name: 'heightMm', type: 'number' },
  ],
};

// The suffix travels as the control characters; the form shows them escaped.
const SUFFIX_IN: Record<string, string> = { '\\r': '\r', '\\n': '\n', '\\r\\n': '\r\n' };
const SUFFIX_OUT: Record<string, string> = { '\r': '\\r', '\n': '\\n', '\r\n': '\\r\\n' };

function toForm(d: Device | null): Record<string, string> {
  if (!d) return { id: '', kind: 'serial-scanner' };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.config)) {
    if (v === undefined || v === null) continue;
    out[k] = k === 'suffix' && typeof v === 'string' ? (SUFFIX_OUT[v] ?? v) : String(v);
  }
  return out;
}

function toBody(form: Record<string, string>): Record<string, unknown> {
  const kind = form.kind as Kind;
  const body: Record<string, unknown> = { id: form.id?.trim(), kind };
  for (const f of FIELDS[kind]) {
    const raw = form[f.name]?.trim() ?? '';
    if (raw === '') continue;
    if (f.type === 'number') body[f.name] = Number(raw);
    else if (f.name === 'suffix') body[f.name] = SUFFIX_IN[raw] ?? raw;
    else if ((f.name === 'vendorId' || f.name === 'productId') && /^(0x[0-9a-f]+|\d+)$/i.test(raw))
      body[f.name] = Number(raw);
    else body[f.name] = raw;
  }
  return body;
}

function DeviceForm({
  device,
  onDone,
  onDelete,
  onTestPrint,
}: {
  device: Device | null;
  onDone: (saved: boolean) => void;
  onDelete: (d: Device) => void;
  onTestPrint: (d: Device) => void;
}) {
  const [form, setForm] = useState(toForm(device));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const kind = (form.kind ?? 'serial-scanner') as Kind;
  const set = (name: string, value: string) => setForm((f) => ({ ...f, [name]: value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    const id = form.id?.trim() ?? '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      setErrors({ id: t('devices.idRule') });
      return;
    }
    setBusy(true);
    try {
      await api(`/devices/${encodeURIComponent(id)}`, { method: 'PUT', body: toBody(form) });
      onDone(true);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="device-form-title" noValidate>
      <h2 id="device-form-title">{device ? t('devices.editTitle', { id: device.id }) : t('devices.add')}</h2>
      <Field label={t('devices.id')} error={errors.id} hint={t('devices.idRule')}>
        {(id, d) => (
          <input
            id={id}
            name="id"
            value={form.id ?? ''}
            readOnly={device !== null}
            aria-describedby={d}
            autocomplete="off"
            onInput={(e) => set('id', e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label={t('devices.kind')} error={errors.kind}>
        {(id, d) => (
          <select
            id={id}
            name="kind"
            value={kind}
            disabled={device !== null}
            aria-describedby={d}
            onChange={(e) => set('kind', e.currentTarget.value)}
          >
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}` as Key)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {FIELDS[kind].map((f) => (
        <Field key={`${kind}-${f.name}`} label={t(`field.${f.name}` as Key)} error={errors[f.name]}>
          {(id, d) =>
            f.options ? (
              <select
                id={id}
                name={f.name}
                value={form[f.name] ?? ''}
                aria-describedby={d}
                onChange={(e) => set(f.name, e.currentTarget.value)}
              >
                {f.name !== 'suffix' && <option value="">—</option>}
                {f.options.map((o) => (
                  <option key={o} value={o}>
                    {o === '' ? t('devices.anySuffix') : f.name === 'mode' ? t(`mode.${o}` as Key) : o}
                  </option>
                ))}
              </select>
            ) : f.type === 'password' ? (
              <input
                id={id}
                name={f.name}
                type="password"
                value={form[f.name] ?? ''}
                autocomplete="new-password"
                aria-describedby={d}
                onInput={(e) => set(f.name, e.currentTarget.value)}
              />
            ) : (
              <input
                id={id}
                name={f.name}
                type="text"
                inputMode={f.type === 'number' ? 'numeric' : undefined}
                placeholder={f.placeholder}
                value={form[f.name] ?? ''}
                autocomplete="off"
                aria-describedby={d}
                onInput={(e) => set(f.name, e.currentTarget.value)}
              />
            )
          }
        </Field>
      ))}
      <ErrorText error={Object.keys(errors).length ? null : error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
        {device?.kind === 'zpl-printer' && (
          <button type="button" class="secondary" onClick={() => onTestPrint(device)}>
            {t('devices.testPrint')}
          </button>
        )}
        {device && (
          <button type="button" class="danger" onClick={() => onDelete(device)}>
            {t('common.delete')}
          </button>
        )}
      </div>
    </form>
  );
}

export function DevicesPage({ session }: { session: Session }) {
  const devs = useDevices();
  const [editing, setEditing] = useState<Device | null | 'new'>(null);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const top = useRef<HTMLHeadingElement>(null);
  const manager = isManager(session);
  const selected = editing === 'new' ? null : editing;
  const done = (saved: boolean) => {
    setEditing(null);
    if (saved) {
      setNote({ ok: true, text: t('devices.saved') });
      devs.reload();
    }
    top.current?.focus();
  };
  const remove = async (d: Device) => {
    if (!window.confirm(t('devices.confirmDelete', { id: d.id }))) return;
    try {
      await api(`/devices/${encodeURIComponent(d.id)}`, { method: 'DELETE' });
      setEditing(null);
      setNote({ ok: true, text: t('devices.deleted', { id: d.id }) });
      devs.reload();
    } catch (err) {
      setNote({ ok: false, text: err instanceof Error ? err.message : String(err) });
    }
  };
  const testPrint = async (d: Device) => {
    try {
      await api(`/devices/${encodeURIComponent(d.id)}/test-print`, { method: 'POST' });
      setNote({ ok: true, text: t('devices.testSent', { id: d.id }) });
    } catch (err) {
      setNote({
        ok: false,
        text:
          err instanceof ApiError && err.missing
            ? t('common.notAvailable', { what: t('labels.printing') })
            : err instanceof Error
              ? err.message
              : String(err),
      });
    }
  };
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} ref={top}>
        {t('nav.devices')}
      </h1>
      {manager && editing === null && (
        <p class="actions">
          <button type="button" onClick={() => setEditing('new')}>
            {t('devices.add')}
          </button>
        </p>
      )}
      {note && (
        <p class={note.ok ? 'success' : 'alert'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </p>
      )}
      {editing !== null && (
        <DeviceForm
          key={selected?.id ?? 'new'}
          device={selected}
          onDone={done}
          onDelete={remove}
          onTestPrint={testPrint}
        />
      )}
      <ErrorText error={devs.error} />
      {devs.data && (
        <DeviceTable devices={devs.devices} onEdit={manager ? (d) => setEditing(d) : undefined} />
      )}
    </section>
  );
}
