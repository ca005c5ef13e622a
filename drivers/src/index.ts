export * from './epc/index.js';
