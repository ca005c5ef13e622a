// Scanners: events, code parsing, HID and serial drivers.
export * from './codes/index.js';
export type { DeviceStatus, DeviceStatusEvent, ScanEvent, Scanner, ScannerEvents } from './events.js';
export * from './hid/index.js';
export { ScannerBase } from './scanner-base.js';
export * from './serial/index.js';
