/**
 * `store-edge simulate scanner|rfid …`: device simulators for demos and benchmarks. The
 * scanner simulator writes codes to a pseudo-terminal exactly as a serial scanner sends them.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SerialSuffix, SUFFIX_NAMES } from './serial/framer.js';

const USAGE = `usage:
  store-edge simulate scanner --path PTY --codes FILE [--rate N] [--suffix cr|lf|crlf]
      writes each line of FILE (blank lines and # comments skipped; {GS} stands for the
      FNC1 separator, ASCII 29) to PTY like a serial scanner, N codes per second (default 5),
      followed by the suffix (default cr)
  store-edge simulate rfid ...   RFID reader simulator (publishes tag reads over MQTT)
`;

export interface SimulateIo {
  stderr: { write(s: string): unknown };
  /** Injected in tests so a run does not wait in real time. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultIo: SimulateIo = { stderr: process.stderr };

export async function simulateCli(argv: string[], io: SimulateIo = defaultIo): Promise<void> {
  const [device, ...rest] = argv;
  switch (device) {
    case 'scanner':
      await simulateScanner(rest, io);
      return;
    case 'rfid': {
      const { simulateRfidCli } = await import('./rfid/simulate.js');
      await simulateRfidCli(rest);
      return;
    }
    default:
      usage(
        io,
        device === undefined || device === '--help' || device === '-h'
          ? undefined
          : `unknown device ${device}`,
      );
  }
}

function usage(io: SimulateIo, problem?: string): void {
  io.stderr.write(`${problem ? `store-edge simulate: ${problem}\n` : ''}${USAGE}`);
  process.exitCode = 2;
}

export interface ScannerSimulation {
  path: string;
  codes: string[];
  rate: number;
  suffix: SerialSuffix;
}

/** Parses `simulate scanner` arguments; a string is the problem to show with the usage. */
export function parseScannerArgs(argv: string[]): ScannerSimulation | string {
  let values: { path?: string; codes?: string; rate?: string; suffix?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        path: { type: 'string' },
        codes: { type: 'string' },
        rate: { type: 'string' },
        suffix: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  if (!values.path) return '--path is required';
  if (!values.codes) return '--codes is required';
  const rate = values.rate === undefined ? 5 : Number(values.rate);
  if (!Number.isFinite(rate) || rate <= 0) return `--rate must be a positive number, not ${values.rate}`;
  const suffix = SUFFIX_NAMES[values.suffix ?? 'cr'];
  if (!suffix) return `--suffix must be cr, lf or crlf, not ${values.suffix}`;
  let text: string;
  try {
    text = readFileSync(values.codes, 'utf8');
  } catch (err) {
    return `cannot read --codes file: ${err instanceof Error ? err.message : String(err)}`;
  }
  const codes = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replaceAll('{GS}', '\u001d'));
  if (codes.length === 0) return `no codes in ${values.codes}`;
  return { path: values.path, codes, rate, suffix };
}

async function simulateScanner(argv: string[], io: SimulateIo): Promise<void> {
  const sim = parseScannerArgs(argv);
  if (typeof sim === 'string') return usage(io, sim);
  if (!existsSync(sim.path)) {
    io.stderr.write(`store-edge simulate scanner: ${sim.path} does not exist\n`);
    process.exitCode = 1;
    return;
  }
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const fd = openSync(sim.path, 'w');
  const intervalMs = 1000 / sim.rate;
  const started = Date.now();
  try {
    for (const [i, code] of sim.codes.entries()) {
      // Scanners send single-byte text (ISO/IEC 8859-1).
      writeSync(fd, Buffer.from(code + sim.suffix, 'latin1'));
      const n = i + 1;
      if (n % Math.max(1, Math.round(sim.rate)) === 0 || n === sim.codes.length) {
        io.stderr.write(`sent ${n}/${sim.codes.length}\n`);
      }
      // Pace against the start time so write time does not slow the rate down.
      if (n < sim.codes.length) await sleep(Math.max(0, started + n * intervalMs - Date.now()));
    }
  } catch (err) {
    io.stderr.write(`store-edge simulate scanner: write to ${sim.path} failed: ${String(err)}\n`);
    process.exitCode = 1;
  } finally {
    closeSync(fd);
  }
}
