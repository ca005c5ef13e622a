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
export type { ZplOptions } from './zpl.js';
