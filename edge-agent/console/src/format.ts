// Message formatting (ICU plurals, numbers, dates), shared by both consoles: consoles/shared/format.ts.
export * from '../../../consoles/shared/format.js';
