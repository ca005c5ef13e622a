import { t } from '../i18n.js';

export function ReplicationPage() {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.replication')}
      </h1>
    </section>
  );
}
