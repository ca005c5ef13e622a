// The store console's router, shared: both consoles navigate alike.
export * from '../../../edge-agent/console/src/router.js';
