import type { TemplateDefinition } from '../template.js';
import { gs1DataMatrix } from './gs1-datamatrix.js';
import { item } from './item.js';
import { promoShelf } from './promo-shelf.js';
import { rfid } from './rfid.js';
import { shelf } from './shelf.js';
import { sscc } from './sscc.js';

export const templates = {
  shelf,
  'promo-shelf': promoShelf,
  item,
  'gs1-datamatrix': gs1DataMatrix,
  sscc,
  rfid,
} as const satisfies Record<string, TemplateDefinition>;

export type TemplateName = keyof typeof templates;

export const templateNames = Object.keys(templates) as TemplateName[];

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(templates, name);
}
