export * from './printers/index.js';
