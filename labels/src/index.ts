export type {
  BarcodeElement,
  BarcodeSymbol,
  Dpmm,
  LabelElement,
  LabelLayout,
  RuleElement,
  TextElement,
} from './layout.js';
export {
  LabelDataError,
  type LabelFormat,
  type LabelRequest,
  type PreparedLabel,
  prepareLabel,
  renderLabel,
  renderPdf,
  renderPdfBatch,
  renderZpl,
  renderZplBatch,
  sampleLabelData,
} from './render.js';
export type { Issue, TemplateDefinition } from './template.js';
export { isTemplateName, type TemplateName, templateNames, templates } from './templates/index.js';
export {
  minorUnitDigits,
  NET_CONTENT_UNITS,
  type NetContent,
  type NetContentUnit,
  type UnitPrice,
  UnitPriceError,
  type UnitPriceUnit,
  unitPrice,
} from './unit-price.js';
export type { ZplOptions } from './zpl.js';
