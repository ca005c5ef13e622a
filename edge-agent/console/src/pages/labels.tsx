import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, apiBlobUrl, type Item, type Session, uuid } from '../api.js';
import { useEvents } from '../events.js';
import { dateTime, type Key, t } from '../i18n.js';
import { useLocation } from '../router.js';
import { ErrorText, Field, NotAvailable, useLoad, useThrottle } from '../ui.js';
import { useDevices } from './dashboard.js';
import { resolveCode } from './stock.js';

// Templates of @store-edge/labels that print from a catalog item (sscc labels a shipment, not an item).
const TEMPLATES = ['shelf', 'item', 'gs1-datamatrix', 'rfid'] as const;

export interface PrintJob {
  id: string;
  printerId: string;
  template: string;
  items?: Array<{ sku: string; copies: number }>;
  labels?: number;
  status: string;
  error?: string | null;
  actor?: string | null;
  attempts?: number;
  reprintOf?: string | null;
  createdAt?: string;
  updatedAt?: string;
  printedAt?: string | null;
}

function jobsOf(r: unknown): PrintJob[] {
  if (Array.isArray(r)) return r as PrintJob[];
  const o = (r ?? {}) as Record<string, unknown>;
  return (o.jobs ?? o.printJobs ?? o.items ?? []) as PrintJob[];
}

function Preview({ template, sku, printerId }: { template: string; sku: string; printerId: string }) {
  const [state, setState] = useState<{ url: string; type: string } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    setState(null);
    setError(null);
    // With the printer, the preview has its label size and resolution.
    const printer = printerId ? `&printerId=${encodeURIComponent(printerId)}` : '';
    apiBlobUrl(`/labels/${encodeURIComponent(template)}.pdf?sku=${encodeURIComponent(sku)}${printer}`).then(
      (r) => {
        url = r.url;
        if (live) setState(r);
        else URL.revokeObjectURL(r.url);
      },
      (err: unknown) => live && setError(err),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [template, sku, printerId]);
  if (error instanceof ApiError && error.missing) return <NotAvailable what={t('labels.previewFeature')} />;
  if (error) return <ErrorText error={error} />;
  if (!state) return <p class="muted">{t('labels.loadingPreview')}</p>;
  return state.type.startsWith('image/') ? (
    <img class="preview-img" src={state.url} alt={t('labels.previewOf', { sku, template })} />
  ) : (
    // The PDF viewer without its toolbar and page list, zoomed: a label is a few centimetres wide.
    <iframe
      class="preview"
      src={`${state.url}#toolbar=0&navpanes=0&zoom=200`}
      title={t('labels.previewOf', { sku, template })}
    />
  );
}

interface OpeningBatch {
  openingDate: string;
  openingAt: string;
  prepareAt: string;
  prepared: boolean;
  queued: number;
  printed: number;
}

/** Labels ready before opening (issue 19): "labels for tomorrow: N queued, M printed". */
function Opening() {
  const batch = useLoad(() => api<OpeningBatch>('/labels/opening'));
  const reload = useThrottle(batch.reload, 300);
  useEvents(['print'], reload);
  const b = batch.data;
  return (
    <section aria-labelledby="opening-title">
      <h2 id="opening-title">{t('labels.opening')}</h2>
      {batch.missing && <NotAvailable what={t('labels.opening')} />}
      <ErrorText error={batch.error} />
      {b && (
        <p role="status">
          {b.prepared
            ? t('labels.forTomorrow', { queued: b.queued, printed: b.printed })
            : t('labels.openingDue', { time: dateTime(b.prepareAt), opening: dateTime(b.openingAt) })}
        </p>
      )}
    </section>
  );
}

function Queue({ session: _s }: { session: Session }) {
  const jobs = useLoad(() => api<unknown>('/print-jobs').then(jobsOf));
  const reload = useThrottle(jobs.reload, 300);
  useEvents(['print'], reload);
  const [error, setError] = useState<unknown>(null);
  const act = async (job: PrintJob, action: 'confirm' | 'reprint') => {
    setError(null);
    try {
      await api(`/print-jobs/${encodeURIComponent(job.id)}/${action}`, { method: 'POST', body: {} });
      jobs.reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('labels.queue')}</h2>
      {jobs.missing && <NotAvailable what={t('labels.printing')} />}
      <ErrorText error={jobs.error ?? error} />
      {jobs.data && jobs.data.length === 0 && <p class="muted">{t('labels.emptyQueue')}</p>}
      {jobs.data && jobs.data.length > 0 && (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('labels.created')}</th>
                <th scope="col">{t('labels.printer')}</th>
                <th scope="col">{t('labels.template')}</th>
                <th scope="col">{t('labels.items')}</th>
                <th scope="col">{t('devices.status')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((j) => (
                <tr key={j.id} data-job={j.id}>
                  <td>{dateTime(j.createdAt ?? null)}</td>
                  <td>{j.printerId}</td>
                  <td>{j.template}</td>
                  <td>
                    {(j.items ?? []).map((i) => `${i.sku} × ${i.copies}`).join(', ')}
                    {j.reprintOf ? (
                      <div class="hint">{t('labels.reprintOf', { id: j.reprintOf })}</div>
                    ) : null}
                  </td>
                  <td>
                    <span class={`badge badge-${j.status}`}>{t(`job.${j.status}` as Key) || j.status}</span>
                    {j.error && <div class="hint">{j.error}</div>}
                  </td>
                  <td>
                    {j.status === 'uncertain' && (
                      <div class="row">
                        <button type="button" class="small" onClick={() => act(j, 'confirm')}>
                          {t('labels.confirmPrinted')}
                        </button>
                        <button type="button" class="secondary small" onClick={() => act(j, 'reprint')}>
                          {t('labels.reprint')}
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function LabelsPage({ session }: { session: Session }) {
  const { query } = useLocation();
  const devs = useDevices();
  const printers = devs.devices.filter((d) => d.kind === 'zpl-printer');
  const [code, setCode] = useState(query.get('sku') ?? '');
  const [item, setItem] = useState<Item | null>(null);
  const [template, setTemplate] = useState<string>('shelf');
  const [printer, setPrinter] = useState('');
  const [copies, setCopies] = useState('1');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const jobId = useRef<string | null>(null);

  const resolve = async (raw: string) => {
    const c = raw.trim();
    if (!c) return;
    const found = await resolveCode(c).catch(() => null);
    setItem(found);
    jobId.current = null;
    setErrors(found ? {} : { code: t('stock.unknownCode', { code: c }) });
  };
  // The item passed in the address is resolved once, on arrival.
  useEffect(() => {
    const sku = query.get('sku');
    if (sku) void resolve(sku);
  }, []);
  useEffect(() => {
    if (!printer && printers[0]) setPrinter(printers[0].id);
  }, [printer, printers]);

  const print = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const n = Number.parseInt(copies, 10);
    const problems: Record<string, string> = {};
    if (!item) problems.code = t('labels.scanFirst');
    if (!printer) problems.printer = t('labels.choosePrinter');
    if (!Number.isInteger(n) || n < 1 || n > 999) problems.copies = t('labels.copiesRule');
    setErrors(problems);
    if (!item || Object.keys(problems).length) return;
    // Same id on a retry: the agent prints a job once however often it is sent.
    if (!jobId.current) jobId.current = uuid();
    try {
      await api('/print-jobs', {
        body: { id: jobId.current, printerId: printer, template, items: [{ sku: item.sku, copies: n }] },
      });
      jobId.current = null;
      setMessage({ ok: true, text: t('labels.queued', { n, name: item.name, printer }) });
    } catch (err) {
      setMessage({
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
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.labels')}
      </h1>
      <div class="columns">
        <form class="card" onSubmit={print} noValidate aria-label={t('labels.print')}>
          <Field
            label={t('book.code')}
            error={errors.code}
            hint={item ? `${item.name} (${item.sku})` : t('book.codeHint')}
          >
            {(id, d) => (
              <input
                id={id}
                name="code"
                value={code}
                autocomplete="off"
                aria-describedby={d}
                onInput={(e) => setCode(e.currentTarget.value)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    void resolve(e.currentTarget.value);
                  }
                }}
                onBlur={(e) => {
                  if (e.currentTarget.value.trim() && e.currentTarget.value.trim() !== item?.sku)
                    void resolve(e.currentTarget.value);
                }}
              />
            )}
          </Field>
          <Field label={t('labels.template')}>
            {(id, d) => (
              <select
                id={id}
                name="template"
                value={template}
                aria-describedby={d}
                onChange={(e) => setTemplate(e.currentTarget.value)}
              >
                {TEMPLATES.map((tp) => (
                  <option key={tp} value={tp}>
                    {t(`template.${tp}` as Key)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('labels.printer')} error={errors.printer}>
            {(id, d) => (
              <select
                id={id}
                name="printer"
                value={printer}
                aria-describedby={d}
                onChange={(e) => setPrinter(e.currentTarget.value)}
              >
                {printers.length === 0 && <option value="">{t('labels.noPrinters')}</option>}
                {printers.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.id} ({t(`status.${p.status}` as Key)})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('labels.copies')} error={errors.copies}>
            {(id, d) => (
              <input
                id={id}
                name="copies"
                inputMode="numeric"
                value={copies}
                autocomplete="off"
                aria-describedby={d}
                onInput={(e) => setCopies(e.currentTarget.value)}
              />
            )}
          </Field>
          <div class="actions">
            <button type="submit">{t('labels.print')}</button>
          </div>
          {message && (
            <p class={message.ok ? 'success' : 'alert'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </p>
          )}
        </form>
        <section aria-labelledby="preview-title">
          <h2 id="preview-title">{t('labels.preview')}</h2>
          {item ? (
            <Preview template={template} sku={item.sku} printerId={printer} />
          ) : (
            <p class="muted">{t('labels.scanFirst')}</p>
          )}
        </section>
      </div>
      <Opening />
      <Queue session={session} />
    </section>
  );
}
