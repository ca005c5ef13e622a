import type { Session } from '../api.js';
import { t } from '../i18n.js';

export function LabelsPage(_props: { session: Session }) {
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {t('nav.labels')}
      </h1>
    </section>
  );
}
