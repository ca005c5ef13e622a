// Kept so `./api.js` imports keep working: the console's API client lives in api/, by area.
export * from './api/index.js';
