import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Item, isManager, type Session, type StockRow, uuid } from '../api.js';
import { useEvents } from '../events.js';
import { type Key, num, t } from '../i18n.js';
import { useLocation } from '../router.js';
import { Field, fieldErrors, Link, useLoad, useThrottle } from '../ui.js';
import { WedgeDetector } from '../wedge.js';
import { resolveCode } from './stock.js';

export type BookKind = 'receive' | 'count' | 'transfer' | 'adjust';
const KINDS: BookKind[] = ['receive', 'count', 'transfer', 'adjust'];
const MANAGER_ONLY: ReadonlySet<BookKind> = new Set(['count', 'adjust']);
const REASONS = ['damaged', 'expired', 'theft', 'found', 'correction'] as const;
const LOC_KEY = 'store-console.location';

function useLocations(): string[] {
  const stock = useLoad(() => api<{ items: StockRow[] }>('/stock').then((r) => r.items));
  return [...new Set(['store', 'backroom', ...(stock.data ?? []).map((s) => s.location)])];
}

function OnHand({ sku, location }: { sku: string; location: string }) {
  const s = useLoad(
    () =>
      api<{ items: StockRow[] }>(
        `/stock?sku=${encodeURIComponent(sku)}&location=${encodeURIComponent(location)}`,
      ).then((r) => r.items[0]?.onHand ?? 0),
    [sku, location],
  );
  const reload = useThrottle(s.reload, 200);
  useEvents(['movements'], (_n, data) => {
    if (Array.isArray(data) && data.some((m: { sku?: string }) => m?.sku === sku)) reload();
  });
  return (
    <p class="onhand" aria-live="polite">
      {t('book.onHandAt', { location })} <strong data-testid="form-on-hand">{num(s.data ?? 0)}</strong>
    </p>
  );
}

/**
 * Receive, count, transfer and adjust: built for a scanner in the hand. Scan (or type) a code and
 * Enter resolves it and moves to the quantity; Enter there books; the focus returns to the code
 * for the next item. Scanning the same item again while on the quantity adds one.
 */
export function BookPage({ kind, session }: { kind: BookKind; session: Session }) {
  const { query } = useLocation();
  const locations = useLocations();
  const [code, setCode] = useState(query.get('sku') ?? '');
  const [item, setItem] = useState<Item | null>(null);
  // The item whose stock stays on screen after booking, so the change is seen.
  const [shownSku, setShownSku] = useState<string | null>(null);
  const [qty, setQty] = useState(kind === 'count' ? '' : '1');
  const [location, setLocation] = useState(localStorage.getItem(LOC_KEY) ?? 'store');
  const [toLocation, setToLocation] = useState('');
  const [ref, setRef] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  const qtyRef = useRef<HTMLInputElement>(null);
  const codeWedge = useRef(new WedgeDetector());
  const qtyWedge = useRef(new WedgeDetector());
  // One idempotency key per booking: a retry after a network error cannot book twice.
  const pendingId = useRef<string[] | null>(null);
  const allowed = !MANAGER_ONLY.has(kind) || isManager(session);

  // Reset when the form kind changes (receive → count keeps nothing from the last booking).
  useEffect(() => {
    setItem(null);
    setShownSku(null);
    setErrors({});
    setMessage(null);
    setQty(kind === 'count' ? '' : '1');
    const sku = query.get('sku');
    setCode(sku ?? '');
    if (sku) void resolve(sku, false);
    else codeRef.current?.focus();
  }, [kind]);

  const resolve = async (raw: string, fromScan: boolean) => {
    const c = raw.trim();
    if (!c) return;
    setMessage(null);
    let found: Item | null = null;
    try {
      found = await resolveCode(c);
    } catch (err) {
      setErrors({
        code: err instanceof ApiError && err.status === 0 ? t('common.unreachable') : String(err),
      });
      return;
    }
    if (!found) {
      setItem(null);
      setErrors({ code: t('stock.unknownCode', { code: c }) });
      codeRef.current?.select();
      return;
    }
    pendingId.current = null;
    setErrors({});
    setItem(found);
    setShownSku(found.sku);
    setCode(c);
    if (fromScan || kind !== 'count') setQty(kind === 'count' ? '' : '1');
    setTimeout(() => {
      qtyRef.current?.focus();
      qtyRef.current?.select();
    }, 0);
  };

  const packQty = item?.packQty ?? 1;
  const units = Number.parseInt(qty, 10) * packQty;

  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (!item) {
      await resolve(code, false);
      return;
    }
    const n = Number.parseInt(qty, 10);
    const problems: Record<string, string> = {};
    if (!Number.isInteger(n) || (kind === 'adjust' ? n === 0 : kind === 'count' ? n < 0 : n <= 0)) {
      problems.qty = t(
        kind === 'adjust' ? 'book.qtyNonZero' : kind === 'count' ? 'book.qtyZeroUp' : 'book.qtyPositive',
      );
    }
    if (kind === 'adjust' && !reason.trim()) problems.reason = t('book.reasonNeeded');
    if (kind === 'transfer' && (!toLocation.trim() || toLocation.trim() === location)) {
      problems.toLocation = t('book.toLocationNeeded');
    }
    if (!location.trim()) problems.location = t('book.locationNeeded');
    setErrors(problems);
    if (Object.keys(problems).length) return;
    const qtyUnits = n * packQty;
    const base = { sku: item.sku, location: location.trim() };
    const transferRef = ref.trim() || `TR-${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}`;
    if (!pendingId.current) pendingId.current = [uuid(), uuid()];
    const ids = pendingId.current;
    const movements =
      kind === 'receive'
        ? [
            {
              id: ids[0],
              type: 'receive',
              ...base,
              qty: qtyUnits,
              ...(ref.trim() ? { ref: ref.trim() } : {}),
            },
          ]
        : kind === 'count'
          ? [{ id: ids[0], type: 'count', ...base, qty: qtyUnits }]
          : kind === 'adjust'
            ? [{ id: ids[0], type: 'adjust', ...base, qty: qtyUnits, reason: reason.trim() }]
            : [
                { id: ids[0], type: 'transfer_out', ...base, qty: qtyUnits, ref: transferRef },
                {
                  id: ids[1],
                  type: 'transfer_in',
                  sku: item.sku,
                  location: toLocation.trim(),
                  qty: qtyUnits,
                  ref: transferRef,
                },
              ];
    setBusy(true);
    try {
      await api('/movements', { body: { movements } });
      localStorage.setItem(LOC_KEY, location.trim());
      pendingId.current = null;
      setMessage({
        ok: true,
        text: t(`book.done.${kind}` as Key, {
          n: qtyUnits,
          name: item.name,
          location: location.trim(),
          to: toLocation.trim(),
        }),
      });
      setItem(null);
      setCode('');
      setQty(kind === 'count' ? '' : '1');
      setRef('');
      setReason('');
      codeRef.current?.focus();
    } catch (err) {
      const fe = fieldErrors(err);
      setErrors(fe);
      setMessage({
        ok: false,
        text:
          err instanceof ApiError && err.status === 0
            ? t('book.offlineRetry')
            : err instanceof Error
              ? err.message
              : String(err),
      });
      if (!(err instanceof ApiError && err.status === 0)) pendingId.current = null;
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t(`nav.${kind}` as Key)}
      </h1>
      <nav aria-label={t('book.kinds')} class="tabs">
        {KINDS.filter((k) => !MANAGER_ONLY.has(k) || isManager(session)).map((k) => (
          <Link key={k} href={`/book/${k}`} aria-current={k === kind ? 'page' : undefined}>
            {t(`nav.${k}` as Key)}
          </Link>
        ))}
      </nav>
      {!allowed ? (
        <p class="notice" role="note">
          {t('book.managersOnly')}
        </p>
      ) : (
        <form class="card book" onSubmit={submit} noValidate>
          <p class="hint">{t(`book.intro.${kind}` as Key)}</p>
          <Field
            label={t('book.code')}
            error={errors.code ?? errors.sku}
            hint={
              item ? (
                <span data-testid="resolved-item">{`${item.name} (${item.sku})`}</span>
              ) : (
                t('book.codeHint')
              )
            }
          >
            {(id, described) => (
              <input
                id={id}
                ref={codeRef}
                name="code"
                value={code}
                autocomplete="off"
                aria-describedby={described}
                aria-invalid={errors.code ? true : undefined}
                onInput={(e) => {
                  setCode(e.currentTarget.value);
                  if (item) setItem(null);
                }}
                onKeyDown={(e) => {
                  const scanned = codeWedge.current.key(e);
                  if (e.key === 'Enter') {
                    e.preventDefault();
                    // The field's text is the code; the burst only tells whether it was scanned.
                    void resolve(e.currentTarget.value, scanned !== null);
                  }
                }}
              />
            )}
          </Field>
          <Field
            label={t(kind === 'count' ? 'book.counted' : kind === 'adjust' ? 'book.adjustBy' : 'book.qty')}
            error={errors.qty}
            hint={
              packQty > 1 && Number.isFinite(units)
                ? t('book.packHint', { pack: packQty, units })
                : kind === 'adjust'
                  ? t('book.adjustHint')
                  : undefined
            }
          >
            {(id, described) => (
              <input
                id={id}
                ref={qtyRef}
                name="qty"
                type="text"
                inputMode="numeric"
                pattern="-?[0-9]*"
                value={qty}
                autocomplete="off"
                aria-describedby={described}
                aria-invalid={errors.qty ? true : undefined}
                onInput={(e) => {
                  setQty(e.currentTarget.value);
                  pendingId.current = null;
                }}
                onKeyDown={(e) => {
                  const scanned = qtyWedge.current.key(e);
                  if (scanned !== null) {
                    // A scan landed in the quantity: undo its digits; same item adds one, another one switches.
                    e.preventDefault();
                    const before = qtyWedge.current.before;
                    if (item && (scanned === code || item.gtins.includes(scanned) || scanned === item.sku)) {
                      const n = Number.parseInt(before, 10);
                      setQty(String((Number.isInteger(n) ? n : 0) + 1));
                    } else {
                      setQty(before);
                      setCode(scanned);
                      void resolve(scanned, true);
                    }
                  }
                }}
              />
            )}
          </Field>
          <Field
            label={t(kind === 'transfer' ? 'book.fromLocation' : 'stock.location')}
            error={errors.location}
          >
            {(id, described) => (
              <input
                id={id}
                name="location"
                list="locations"
                value={location}
                autocomplete="off"
                aria-describedby={described}
                onInput={(e) => setLocation(e.currentTarget.value)}
              />
            )}
          </Field>
          {kind === 'transfer' && (
            <Field label={t('book.toLocation')} error={errors.toLocation}>
              {(id, described) => (
                <input
                  id={id}
                  name="toLocation"
                  list="locations"
                  value={toLocation}
                  autocomplete="off"
                  aria-describedby={described}
                  onInput={(e) => setToLocation(e.currentTarget.value)}
                />
              )}
            </Field>
          )}
          {kind === 'adjust' && (
            <Field label={t('book.reason')} error={errors.reason}>
              {(id, described) => (
                <select
                  id={id}
                  name="reason"
                  value={reason}
                  aria-describedby={described}
                  onChange={(e) => setReason(e.currentTarget.value)}
                >
                  <option value="">{t('book.chooseReason')}</option>
                  {REASONS.map((r) => (
                    <option key={r} value={r}>
                      {t(`reason.${r}` as Key)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {(kind === 'receive' || kind === 'transfer') && (
            <Field label={t(kind === 'receive' ? 'book.deliveryRef' : 'book.transferRef')} error={errors.ref}>
              {(id, described) => (
                <input
                  id={id}
                  name="ref"
                  value={ref}
                  autocomplete="off"
                  aria-describedby={described}
                  onInput={(e) => setRef(e.currentTarget.value)}
                />
              )}
            </Field>
          )}
          <datalist id="locations">
            {locations.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          <div class="actions">
            <button type="submit" disabled={busy}>
              {t(`book.submit.${kind}` as Key)}
            </button>
          </div>
          {message && (
            <p class={message.ok ? 'success' : 'alert'} role={message.ok ? 'status' : 'alert'}>
              {message.text}
            </p>
          )}
          {shownSku && <OnHand sku={shownSku} location={location.trim() || 'store'} />}
        </form>
      )}
    </section>
  );
}
