/**
 * Scanner device entries (CONTRACT.md "serial-scanner", "hid-scanner"): field checks for
 * PUT /api/v1/devices/{id} and the config file, and the typed settings the drivers take.
 */
import {
  isKeyboardLayoutName,
  KEYBOARD_LAYOUTS,
  type KeyboardLayoutName,
  type SerialSuffix,
} from '@store-edge/drivers';
import type { DeviceConfig } from '../config/settings.js';

export const SCANNER_KINDS = ['serial-scanner', 'hid-scanner'] as const;
export type ScannerKind = (typeof SCANNER_KINDS)[number];

export const SCANNER_MODES = ['lookup', 'receive', 'sale', 'return', 'count', 'damage'] as const;
export type ScannerMode = (typeof SCANNER_MODES)[number];

/** Suffix spellings accepted: the characters themselves, or their names (handy in YAML). */
const SUFFIXES: Record<string, SerialSuffix> = {
  '\r': '\r',
  '\n': '\n',
  '\r\n': '\r\n',
  cr: '\r',
  lf: '\n',
  crlf: '\r\n',
};

type Problem = { path: string; message: string };

export function isScannerKind(kind: string): kind is ScannerKind {
  return (SCANNER_KINDS as readonly string[]).includes(kind);
}

/** What the workflow needs of a scanner, whatever its transport. */
export interface ScannerWorkflowSettings {
  id: string;
  mode: ScannerMode;
  location: string;
  /** Per-device override of `scanning.debounceMs`. */
  debounceMs?: number;
}

export function workflowSettings(config: DeviceConfig): ScannerWorkflowSettings {
  const out: ScannerWorkflowSettings = {
    id: config.id,
    // No mode configured: look up only. A scanner never moves stock unless told to.
    mode: (config.mode as ScannerMode | undefined) ?? 'lookup',
    location: typeof config.location === 'string' ? config.location : 'store',
  };
  if (typeof config.debounceMs === 'number') out.debounceMs = config.debounceMs;
  return out;
}

function checkCommon(config: DeviceConfig, problems: Problem[]): void {
  if (config.mode !== undefined && !(SCANNER_MODES as readonly unknown[]).includes(config.mode))
    problems.push({ path: '/mode', message: `must be one of ${SCANNER_MODES.join(', ')}` });
  if (config.location !== undefined && (typeof config.location !== 'string' || config.location === ''))
    problems.push({ path: '/location', message: 'must be a non-empty string' });
  if (config.debounceMs !== undefined && !isIntIn(config.debounceMs, 0, 60_000))
    problems.push({ path: '/debounceMs', message: 'must be a whole number of ms, 0-60000' });
}

function isIntIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

export function validateSerialScanner(config: DeviceConfig): Problem[] {
  const problems: Problem[] = [];
  checkCommon(config, problems);
  if (typeof config.path !== 'string' || config.path === '')
    problems.push({ path: '/path', message: 'is required: the serial device, e.g. /dev/ttyACM0' });
  if (config.baudRate !== undefined && !isIntIn(config.baudRate, 50, 4_000_000))
    problems.push({ path: '/baudRate', message: 'must be a whole number of bits/s, e.g. 9600' });
  if (config.suffix !== undefined && (typeof config.suffix !== 'string' || !(config.suffix in SUFFIXES)))
    problems.push({ path: '/suffix', message: 'must be "\\r", "\\n" or "\\r\\n" (or cr, lf, crlf)' });
  if (config.idleGapMs !== undefined && !isIntIn(config.idleGapMs, 0, 10_000))
    problems.push({ path: '/idleGapMs', message: 'must be a whole number of ms, 0-10000' });
  return problems;
}

/** USB ids as numbers (3118) or hex strings ("0x0c2e", "0c2e"), as lsusb prints them. */
export function usbId(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 0xffff ? v : undefined;
  if (typeof v === 'string' && /^(0x)?[0-9a-fA-F]{1,4}$/.test(v))
    return Number.parseInt(v.replace(/^0x/, ''), 16);
  return undefined;
}

export function validateHidScanner(config: DeviceConfig): Problem[] {
  const problems: Problem[] = [];
  checkCommon(config, problems);
  if (config.protocol !== 'pos' && config.protocol !== 'keyboard')
    problems.push({ path: '/protocol', message: 'must be pos or keyboard' });
  const hasPath = typeof config.path === 'string' && config.path !== '';
  if (config.path !== undefined && !hasPath)
    problems.push({ path: '/path', message: 'must be a non-empty string' });
  for (const f of ['vendorId', 'productId'] as const) {
    if (config[f] !== undefined && usbId(config[f]) === undefined)
      problems.push({ path: `/${f}`, message: 'must be a USB id: 0-65535 or hex like "0x0c2e"' });
  }
  if (!hasPath && config.vendorId === undefined)
    problems.push({ path: '/vendorId', message: 'vendorId (and productId) or path is required' });
  if (
    config.layout !== undefined &&
    !(typeof config.layout === 'string' && isKeyboardLayoutName(config.layout))
  )
    problems.push({ path: '/layout', message: `must be one of ${KEYBOARD_LAYOUTS.join(', ')}` });
  return problems;
}

export function serialSuffix(v: unknown): SerialSuffix | undefined {
  return typeof v === 'string' ? SUFFIXES[v] : undefined;
}

export function hidLayout(v: unknown): KeyboardLayoutName {
  return typeof v === 'string' && isKeyboardLayoutName(v) ? v : 'us';
}
