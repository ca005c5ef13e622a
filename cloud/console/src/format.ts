// The store console's formatting (ICU plurals, numbers, dates), shared: both consoles format alike.
export * from '../../../edge-agent/console/src/format.js';
