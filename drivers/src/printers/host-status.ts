import { PrinterTimeoutError, type PrinterTransport } from './transport.js';

/**
 * Zebra `~HS` host status, ZPL II Programming Guide "Host Status Return". The reply is three
 * strings, each `<STX>…<ETX><CR><LF>`:
 *   1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
 *   2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
 *   3: xxxx,y
 * String 2 has 11 fields including the unused `n`; reading it as 10 shifts head/ribbon by
 * one (see the fixture's implementationWarning).
 */
export interface HostStatus {
  /** a: communication settings byte (baud/data/stop/parity/handshake bits). */
  communicationSettings: number;
  paperOut: boolean;
  paused: boolean;
  labelLengthDots: number;
  formatsInBuffer: number;
  bufferFull: boolean;
  commDiagnosticMode: boolean;
  partialFormat: boolean;
  corruptRam: boolean;
  underTemperature: boolean;
  overTemperature: boolean;
  /** m: function settings byte (media type, sensor profile, print method bits). */
  functionSettings: number;
  headUp: boolean;
  ribbonOut: boolean;
  thermalTransfer: boolean;
  printMode: PrintMode;
  printWidthMode: number;
  labelWaiting: boolean;
  labelsRemaining: number;
  graphicsStored: number;
  password: string;
  staticRam: boolean;
}

export type PrintMode =
  | 'Rewind'
  | 'Peel-Off'
  | 'Tear-Off'
  | 'Cutter'
  | 'Applicator'
  | 'Delayed Cut'
  | 'Linerless Peel'
  | 'Linerless Rewind'
  | 'Partial Cutter'
  | 'RFID'
  | 'Kiosk'
  | 'Unknown';

// Field r of string 2; 0-4 are in the guide's table, later firmware adds the rest.
const PRINT_MODES: readonly PrintMode[] = [
  'Rewind',
  'Peel-Off',
  'Tear-Off',
  'Cutter',
  'Applicator',
  'Delayed Cut',
  'Linerless Peel',
  'Linerless Rewind',
  'Partial Cutter',
  'RFID',
  'Kiosk',
];

export class HostStatusParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostStatusParseError';
  }
}

const STX = 0x02;
const ETX = 0x03;

/** Splits `<STX>…<ETX>` frames out of a reply; bytes outside frames (CR LF) are ignored. */
export function hostStatusFrames(raw: Buffer | string): string[] {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  const frames: string[] = [];
  let start = -1;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === STX) start = i + 1;
    else if (buf[i] === ETX && start >= 0) {
      frames.push(buf.subarray(start, i).toString('latin1'));
      start = -1;
    }
  }
  return frames;
}

/** True once a `~HS` reply holds its three frames: the `until` for {@link PrinterTransport.query}. */
export function isCompleteHostStatus(received: Buffer): boolean {
  return hostStatusFrames(received).length >= 3;
}

export function parseHostStatus(raw: Buffer | string): HostStatus {
  const frames = hostStatusFrames(raw);
  if (frames.length < 3) {
    throw new HostStatusParseError(`incomplete ~HS reply: ${frames.length} of 3 frames`);
  }
  const s1 = fields(frames[0] ?? '', 12, 1);
  const s2 = fields(frames[1] ?? '', 11, 2);
  const s3 = fields(frames[2] ?? '', 2, 3);
  const num = (s: string[], i: number, name: string): number => {
    const text = s[i] ?? '';
    if (!/^\d+$/.test(text)) throw new HostStatusParseError(`~HS ${name}: '${text}' is not a number`);
    return Number(text);
  };
  const flag = (s: string[], i: number, name: string): boolean => num(s, i, name) !== 0;
  const mode = num(s2, 5, 'print mode');
  return {
    communicationSettings: num(s1, 0, 'communication settings'),
    paperOut: flag(s1, 1, 'paper out'),
    paused: flag(s1, 2, 'pause'),
    labelLengthDots: num(s1, 3, 'label length'),
    formatsInBuffer: num(s1, 4, 'formats in buffer'),
    bufferFull: flag(s1, 5, 'buffer full'),
    commDiagnosticMode: flag(s1, 6, 'diagnostic mode'),
    partialFormat: flag(s1, 7, 'partial format'),
    corruptRam: flag(s1, 9, 'corrupt RAM'),
    underTemperature: flag(s1, 10, 'under temperature'),
    overTemperature: flag(s1, 11, 'over temperature'),
    functionSettings: num(s2, 0, 'function settings'),
    headUp: flag(s2, 2, 'head up'),
    ribbonOut: flag(s2, 3, 'ribbon out'),
    thermalTransfer: flag(s2, 4, 'thermal transfer'),
    printMode: PRINT_MODES[mode] ?? 'Unknown',
    printWidthMode: num(s2, 6, 'print width mode'),
    labelWaiting: flag(s2, 7, 'label waiting'),
    labelsRemaining: num(s2, 8, 'labels remaining'),
    graphicsStored: num(s2, 10, 'graphics stored'),
    password: s3[0] ?? '',
    staticRam: flag(s3, 1, 'static RAM'),
  };
}

function fields(frame: string, expected: number, which: number): string[] {
  const parts = frame.split(',').map((p) => p.trim());
  if (parts.length < expected) {
    throw new HostStatusParseError(`~HS string ${which}: ${parts.length} fields, expected ${expected}`);
  }
  return parts;
}

/** Conditions that stop a printer from printing, in the words shown to store staff. */
export function hostStatusProblems(s: HostStatus): string[] {
  const problems: string[] = [];
  if (s.paperOut) problems.push('paper out');
  if (s.ribbonOut) problems.push('ribbon out');
  if (s.headUp) problems.push('head open');
  if (s.paused) problems.push('paused');
  if (s.bufferFull) problems.push('receive buffer full');
  if (s.corruptRam) problems.push('corrupt RAM (configuration lost)');
  if (s.underTemperature) problems.push('head under temperature');
  if (s.overTemperature) problems.push('head over temperature');
  return problems;
}

export interface PrinterStatus {
  /** True when the printer answered and reported no problem: safe to send a job. */
  ready: boolean;
  problems: string[];
  /** The parsed reply; null when the printer did not answer or the reply was unreadable. */
  hostStatus: HostStatus | null;
  checkedAt: string;
}

/**
 * Asks the printer for `~HS` and judges it. A printer does not answer `~HS` while in media
 * out, ribbon out, head open, rewinder full or head over-temperature (ZPL guide, ~HS), so no
 * reply is a fault, not "unknown, try anyway". Connection errors are reported the same way.
 */
export async function checkPrinterStatus(
  transport: PrinterTransport,
  options: { timeoutMs?: number; now?: () => Date } = {},
): Promise<PrinterStatus> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const checkedAt = (options.now?.() ?? new Date()).toISOString();
  let reply: Buffer;
  try {
    reply = await transport.query('~HS', { timeoutMs, until: isCompleteHostStatus });
  } catch (err) {
    const problem =
      err instanceof PrinterTimeoutError
        ? `no reply to ~HS within ${timeoutMs} ms (printer off, or paper out / ribbon out / head open)`
        : `unreachable: ${(err as Error).message}`;
    return { ready: false, problems: [problem], hostStatus: null, checkedAt };
  }
  try {
    const hostStatus = parseHostStatus(reply);
    const problems = hostStatusProblems(hostStatus);
    return { ready: problems.length === 0, problems, hostStatus, checkedAt };
  } catch (err) {
    return { ready: false, problems: [(err as Error).message], hostStatus: null, checkedAt };
  }
}

/** Builds a `~HS` reply in the guide's layout (used by the fake printer and by tests). */
export function formatHostStatus(s: Partial<HostStatus>): string {
  const b = (v: boolean | undefined): string => (v ? '1' : '0');
  const pad = (n: number | undefined, width: number): string => String(n ?? 0).padStart(width, '0');
  const mode = Math.max(0, PRINT_MODES.indexOf(s.printMode ?? 'Tear-Off'));
  const s1 = [
    pad(s.communicationSettings ?? 30, 3),
    b(s.paperOut),
    b(s.paused),
    pad(s.labelLengthDots ?? 1245, 4),
    pad(s.formatsInBuffer, 3),
    b(s.bufferFull),
    b(s.commDiagnosticMode),
    b(s.partialFormat),
    '000',
    b(s.corruptRam),
    b(s.underTemperature),
    b(s.overTemperature),
  ].join(',');
  const s2 = [
    pad(s.functionSettings, 3),
    '0',
    b(s.headUp),
    b(s.ribbonOut),
    b(s.thermalTransfer),
    String(mode),
    String(s.printWidthMode ?? 4),
    b(s.labelWaiting),
    pad(s.labelsRemaining, 8),
    '1',
    pad(s.graphicsStored, 3),
  ].join(',');
  const s3 = [s.password ?? '1234', s.staticRam === false ? '0' : '1'].join(',');
  return `\x02${s1}\x03\r\n\x02${s2}\x03\r\n\x02${s3}\x03\r\n`;
}
