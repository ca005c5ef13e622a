/**
 * Host keyboard layouts for keyboard-wedge scanners. A wedge scanner sends key positions
 * (HID Usage Tables, Keyboard/Keypad page 0x07), not characters: the host's layout turns them
 * into text, so a scanner set up for a German host sends 0x1D for "y" where a US one sends
 * 0x1C. The tables give, per usage ID, the character without modifier, with Shift and with
 * AltGr (Right Alt); undefined where the key is a dead key or has no character.
 */

export type KeyboardLayoutName = 'us' | 'de' | 'fr';
export const KEYBOARD_LAYOUTS: readonly KeyboardLayoutName[] = ['us', 'de', 'fr'];

export type KeyChars = readonly [plain: string | undefined, shift: string | undefined, altGr?: string];
export type LayoutTable = ReadonlyMap<number, KeyChars>;

function letters(map: Map<number, KeyChars>, order: string): void {
  // Usage IDs 0x04..0x1D are the 26 letter positions in US-QWERTY order a..z.
  [...order].forEach((ch, i) => {
    map.set(0x04 + i, [ch, ch.toUpperCase()]);
  });
}

// Shared keys: Enter/Tab/Space and the keypad (Num Lock on, as scanners assume).
function common(map: Map<number, KeyChars>): void {
  map.set(0x2b, ['\t', '\t']);
  map.set(0x2c, [' ', ' ']);
  const keypad: [number, string][] = [
    [0x54, '/'],
    [0x55, '*'],
    [0x56, '-'],
    [0x57, '+'],
    [0x59, '1'],
    [0x5a, '2'],
    [0x5b, '3'],
    [0x5c, '4'],
    [0x5d, '5'],
    [0x5e, '6'],
    [0x5f, '7'],
    [0x60, '8'],
    [0x61, '9'],
    [0x62, '0'],
    [0x63, '.'],
  ];
  for (const [usage, ch] of keypad) map.set(usage, [ch, ch]);
}

function row(map: Map<number, KeyChars>, first: number, rows: readonly KeyChars[]): void {
  rows.forEach((chars, i) => {
    map.set(first + i, chars);
  });
}

function us(): LayoutTable {
  const m = new Map<number, KeyChars>();
  letters(m, 'abcdefghijklmnopqrstuvwxyz');
  row(m, 0x1e, [
    ['1', '!'],
    ['2', '@'],
    ['3', '#'],
    ['4', '$'],
    ['5', '%'],
    ['6', '^'],
    ['7', '&'],
    ['8', '*'],
    ['9', '('],
    ['0', ')'],
  ]);
  row(m, 0x2d, [
    ['-', '_'],
    ['=', '+'],
    ['[', '{'],
    [']', '}'],
    ['\\', '|'],
    ['\\', '|'],
    [';', ':'],
    ["'", '"'],
    ['`', '~'],
    [',', '<'],
    ['.', '>'],
    ['/', '?'],
  ]);
  m.set(0x64, ['\\', '|']);
  common(m);
  return m;
}

// German T1 layout (DIN 2137): QWERTZ, dead keys ^ ´ ` yield nothing on their own.
function de(): LayoutTable {
  const m = new Map<number, KeyChars>();
  letters(m, 'abcdefghijklmnopqrstuvwxzy');
  m.set(0x14, ['q', 'Q', '@']);
  m.set(0x08, ['e', 'E', '€']);
  m.set(0x10, ['m', 'M', 'µ']);
  row(m, 0x1e, [
    ['1', '!'],
    ['2', '"', '²'],
    ['3', '§', '³'],
    ['4', '$'],
    ['5', '%'],
    ['6', '&'],
    ['7', '/', '{'],
    ['8', '(', '['],
    ['9', ')', ']'],
    ['0', '=', '}'],
  ]);
  row(m, 0x2d, [
    ['ß', '?', '\\'],
    [undefined, undefined],
    ['ü', 'Ü'],
    ['+', '*', '~'],
    ['#', "'"],
    ['#', "'"],
    ['ö', 'Ö'],
    ['ä', 'Ä'],
    [undefined, '°'],
    [',', ';'],
    ['.', ':'],
    ['-', '_'],
  ]);
  m.set(0x64, ['<', '>', '|']);
  common(m);
  return m;
}

// French AZERTY (the common Windows/X11 "fr" layout): digits need Shift.
function fr(): LayoutTable {
  const m = new Map<number, KeyChars>();
  letters(m, 'qbcdefghijkl,noparstuvzxyw');
  m.set(0x10, [',', '?']);
  m.set(0x08, ['e', 'E', '€']);
  row(m, 0x1e, [
    ['&', '1'],
    ['é', '2', '~'],
    ['"', '3', '#'],
    ["'", '4', '{'],
    ['(', '5', '['],
    ['-', '6', '|'],
    ['è', '7', '`'],
    ['_', '8', '\\'],
    ['ç', '9', '^'],
    ['à', '0', '@'],
  ]);
  row(m, 0x2d, [
    [')', '°', ']'],
    ['=', '+', '}'],
    [undefined, undefined],
    ['$', '£', '¤'],
    ['*', 'µ'],
    ['*', 'µ'],
    ['m', 'M'],
    ['ù', '%'],
    ['²', undefined],
    [';', '.'],
    [':', '/'],
    ['!', '§'],
  ]);
  m.set(0x64, ['<', '>']);
  common(m);
  return m;
}

export const LAYOUTS: Readonly<Record<KeyboardLayoutName, LayoutTable>> = { us: us(), de: de(), fr: fr() };

export function isKeyboardLayoutName(s: string): s is KeyboardLayoutName {
  return (KEYBOARD_LAYOUTS as readonly string[]).includes(s);
}
