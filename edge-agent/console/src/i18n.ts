// The store console's catalogues on the shared i18n core (consoles/shared/i18n.ts: the language,
// its negotiation, message and number/date formatting, shared with the head-office console).
import { initLang, translator } from '../../../consoles/shared/i18n.js';
import { de, en, es } from './messages.js';

export * from '../../../consoles/shared/i18n.js';

export type Key = keyof typeof en;

initLang('store-console.lang');

/** A message of the store console in the current language (see `translator`). */
export const t = translator<Key>({ en, de, es });
