import { useState } from 'preact/hooks';
import { type Item, listItems, putItem } from '../api.js';
import { money, t } from '../i18n.js';
import { ErrorText, Field, fieldErrors, NotAvailable, Table, TextField, useLoad } from '../ui.js';

const PAGE = 100;

/** Name and price of one item; saved with `PUT /v1/items/{sku}` (reaches the stores through the feed). */
function EditItem({ item, onDone }: { item: Item; onDone: (saved: boolean) => void }) {
  const [name, setName] = useState(item.name);
  const [amount, setAmount] = useState(item.price.amount);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const errs = fieldErrors(error);
  return (
    <form
      class="card edit"
      aria-labelledby="edit-h"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        // Prices are decimal strings end to end (CONTRACT.md: kept exact), never floats.
        putItem({
          ...item,
          name: name.trim(),
          price: { amount: amount.trim().replace(',', '.'), currency: item.price.currency },
        }).then(
          () => onDone(true),
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <h2 id="edit-h">{t('catalog.edit', { sku: item.sku })}</h2>
      <TextField label={t('catalog.name')} error={errs.name} value={name} onValue={setName} required />
      <Field
        label={t('catalog.price', { currency: item.price.currency })}
        error={errs.amount}
        hint={t('catalog.priceHint')}
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            inputMode="decimal"
            pattern="[0-9]+([.,][0-9]{1,4})?"
            value={amount}
            required
            onInput={(e) => setAmount(e.currentTarget.value)}
          />
        )}
      </Field>
      <ErrorText error={error} />
      <div class="actions">
        <button type="submit" disabled={busy}>
          {t('common.save')}
        </button>
        <button type="button" class="secondary" onClick={() => onDone(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The tenant's catalog, a page at a time, searchable by sku or name; an item's name and price editable. */
export function CatalogPage() {
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [after, setAfter] = useState<string[]>([]);
  const [editing, setEditing] = useState<Item | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const cursor = after[after.length - 1];
  const items = useLoad(() => listItems({ q, after: cursor, limit: PAGE }), [q, cursor]);
  return (
    <section>
      <h1 tabIndex={-1}>{t('nav.catalog')}</h1>
      {items.missing && <NotAvailable what={t('nav.catalog')} />}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAfter([]);
          setQ(text.trim());
        }}
      >
        <TextField label={t('catalog.search')} value={text} onValue={setText} type="search" />
        <button type="submit">{t('common.search')}</button>
      </form>
      {saved && (
        <p class="success" role="status">
          {t('catalog.saved', { sku: saved })}
        </p>
      )}
      {editing && (
        <EditItem
          key={editing.sku}
          item={editing}
          onDone={(ok) => {
            if (ok) {
              setSaved(editing.sku);
              items.reload();
            }
            setEditing(null);
          }}
        />
      )}
      <ErrorText error={items.error} />
      {items.data && (
        <>
          <div class="scroll">
            <Table<Item>
              columns={[
                { head: t('catalog.sku'), rowHeader: true, cell: (i) => i.sku },
                { head: t('catalog.name'), class: 'wrap', cell: (i) => i.name },
                { head: t('catalog.gtins'), class: 'wrap', cell: (i) => i.gtins.join(', ') },
                {
                  head: t('catalog.priceHead'),
                  num: true,
                  cell: (i) => money(i.price.amount, i.price.currency),
                },
                {
                  head: <span class="sr-only">{t('common.actions')}</span>,
                  cell: (i) => (
                    <button
                      type="button"
                      class="small secondary"
                      aria-label={t('catalog.editLabel', { sku: i.sku })}
                      onClick={() => {
                        setSaved(null);
                        setEditing(i);
                      }}
                    >
                      {t('common.edit')}
                    </button>
                  ),
                },
              ]}
              rows={items.data.items}
              rowKey={(i) => `${i.tenantId}/${i.sku}`}
              rowProps={(i) => ({ 'data-sku': i.sku })}
              empty={t('catalog.none')}
            />
          </div>
          <div class="actions">
            {after.length > 0 && (
              <button type="button" class="secondary" onClick={() => setAfter(after.slice(0, -1))}>
                {t('common.previous')}
              </button>
            )}
            {items.data.next && (
              <button
                type="button"
                class="secondary"
                onClick={() => setAfter([...after, items.data?.next ?? ''])}
              >
                {t('common.next')}
              </button>
            )}
          </div>
        </>
      )}
    </section>
  );
}
