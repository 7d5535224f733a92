// Whether another process of this machine still exists: what a holder left behind (a lease row, a build lock, a
// temporary file) may be taken over or removed only once its process is gone.
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** True only when no process `pid` exists; one of another user, or any doubt, counts as alive (the safe side). */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only asks
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

let space: string | undefined;

/**
 * Where this process's pid means this process: the host name and, on Linux, the boot and the PID namespace. Two
 * containers with one host name on one data volume (`--network host`) each have a pid 7; by the host name alone,
 * one took the other's live lease at once, as its pid 7 did not exist there.
 */
function pidSpace(): string {
  if (space === undefined) {
    try {
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 8);
      const namespace = readlinkSync('/proc/self/ns/pid').replace(/\D/g, '');
      space = `${hostname()}/${boot}.${namespace}`;
    } catch {
      space = hostname();
    }
  }
  return space;
}

/** A holder id unique to this process and call: where its pid counts (see pidSpace), pid and a random suffix, for logs and takeover. */
export function holderId(): string {
  return `${pidSpace()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * True when `holder` names a process of this host, boot and PID namespace that no longer exists: what it holds can be
 * taken over at once rather than after its time to live. A reused pid, another user's process, or a holder named
 * by the host alone (an earlier Gazette) counts as alive (the safe side).
 */
export function isDeadLocalHolder(holder: string): boolean {
  const parts = holder.split(':');
  const pid = Number(parts.at(-2));
  if (parts.length < 3 || parts.slice(0, -2).join(':') !== pidSpace() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) {
    return false;
  }
  return isProcessGone(pid);
}
