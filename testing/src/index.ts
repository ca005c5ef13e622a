export * from './agent-process.js';
export * from './fixtures.js';
export * from './mosquitto.js';
export * from './mysql.js';
export * from './ports.js';
export * from './pty.js';
export * from './temp-dir.js';
export * from './which.js';
