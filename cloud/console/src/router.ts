// The router, shared by both consoles: consoles/shared/router.ts.
export * from '../../../consoles/shared/router.js';
