/**
 * Discovery for the device settings UI: which attached HID devices look like scanners. HID
 * POS scanners announce usage page 0x8C; keyboard-wedge scanners look like any keyboard
 * (Generic Desktop page 0x01, usage 0x06), so those are listed as candidates.
 */
import type { HidBinding, HidDeviceInfo } from './binding.js';
import { createNodeHidBinding } from './node-hid-binding.js';

export interface HidScannerCandidate extends HidDeviceInfo {
  protocol: 'pos' | 'keyboard';
}

export async function enumerateHidScanners(
  binding: HidBinding = createNodeHidBinding(),
): Promise<HidScannerCandidate[]> {
  const out: HidScannerCandidate[] = [];
  for (const d of await binding.enumerate()) {
    if (d.usagePage === 0x8c) out.push({ ...d, protocol: 'pos' });
    else if (d.usagePage === 0x01 && d.usage === 0x06) out.push({ ...d, protocol: 'keyboard' });
  }
  return out;
}
