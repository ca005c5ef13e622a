/** What Linux's /proc says about a process the benchmark started (proc(5)). */
import { readdirSync, readFileSync } from 'node:fs';

/**
 * utime + stime of a process, all threads, in seconds (/proc/<pid>/stat fields 14 and 15, in
 * clock ticks of 1/100 s). NaN when there is no such process.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name (which may hold spaces), field 3 is index 0.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of every process with this command name (e.g. all mariadbd servers). */
export function cpuSecondsOf(comm: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm)
        total += cpuSeconds(Number(entry)) || 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** VmRSS (now) or VmHWM (the process's lifetime peak) in bytes, from /proc/<pid>/status; 0 when gone. */
export function memory(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Bytes a process caused to be written to storage so far (/proc/<pid>/io write_bytes: what
 * reached the block layer, WAL and checkpoints alike). NaN when unreadable.
 */
export function writtenBytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return Number(/^write_bytes:\s+(\d+)$/m.exec(io)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** Page cache waiting to be written to storage: Dirty + Writeback of /proc/meminfo, in bytes. */
export function dirtyBytes(): number {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? 0);
  return (kb('Dirty') + kb('Writeback')) * 1024;
}
