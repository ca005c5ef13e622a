export type { Component } from './agent.js';
export { EdgeAgent } from './agent.js';
export type { DeviceConfig, Settings } from './config/settings.js';
export { loadSettings, SettingsError } from './config/settings.js';
export { openDatabase } from './db/database.js';
export { rebuildStock } from './ledger/ledger.js';
export type { Movement, MovementInput, MovementResult, StockRow } from './ledger/types.js';
