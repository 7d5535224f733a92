// The lock a build holds on its output folder, so that two builds into it (the daemon's and an editor's) take turns.
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lock } from 'proper-lockfile';
import { BusyError } from '../errors.js';
import { holderId, isDeadLocalHolder } from '../processes.js';
import { makeFolder } from '../files.js';

/** The lock's folder in the output folder (made by proper-lockfile, its mtime renewed while held). */
export const buildLockDir = '.gazette-build.lock';

/**
 * Beside the lock's folder while a build holds it: its holder (see holderId) and the folder it made, so that a lock
 * whose build was killed on this machine is taken at once rather than once it goes stale (10 s).
 */
export const buildLockOwnerFile = `${buildLockDir}.owner`;

/** What the owner file says. */
interface LockOwner {
  holder: string;
  ino: number;
  birthtimeMs: number;
}

/** A lock folder as made by one build: a folder made anew at the same path (a takeover) has another inode or birth time. */
export interface LockFolder {
  path: string;
  ino: number;
  birthtimeMs: number;
}

/** What a build's caller tells it and hears from it while it holds the output folder. */
export interface LockHooks {
  /** Ends a wait for another build's lock with a BusyError: nothing is built. */
  signal?: AbortSignal | undefined;
  /** Hears the lock's folder once it is held, and null just before it is given up (so a thread's parent can remove it should the thread be ended first). */
  onLock?: ((folder: LockFolder | null) => void) | undefined;
  /** Hears, once, that another build holds the lock and this one waits, with what to tell the user (who would otherwise see nothing happen for up to 10 s). */
  onWait?: ((notice: string) => void) | undefined;
}

/** A build's hold on its output folder. */
export interface OutDirLock {
  /** Whether another build has taken the lock over: this one was stopped (Ctrl-Z) or stalled for over 10 s. */
  lost(): Promise<boolean>;
  /** Aborted once proper-lockfile finds the lock taken over: at its renewal (every 5 s), so at once after a long stop. */
  signal: AbortSignal;
  /** Whether this build took the lock over from one that stopped renewing it (killed, or stopped and perhaps to resume). */
  tookOver: boolean;
  /** Gives the lock up (once; again does nothing); a lost lock, now another build's, is left alone, and BusyError says this build must run again. */
  release(): Promise<void>;
}

/** How long a build waits for another one into the same folder, and how often it looks. */
const lockWait = { ms: 10 * 60_000, every: 200 };

/** What a build whose lock another build took over (it was stopped for over 10 s) is told. */
function takenOver(outDir: string, cause: Error | undefined): BusyError {
  return new BusyError(`the build lock of ${outDir} was taken over by another build while this one was stopped — build again`, { cause });
}

/** A folder's identity: what tells it from one made anew at its path. */
type Identity = Pick<LockFolder, 'ino' | 'birthtimeMs'>;

/** Whether `stats` are those of `folder`, as it was made. */
function isFolder(folder: Identity | undefined, stats: Identity | undefined): boolean {
  return folder !== undefined && stats !== undefined && stats.ino === folder.ino && stats.birthtimeMs === folder.birthtimeMs;
}

/** The owner file beside the lock folder at `lockPath`. */
const ownerPath = (lockPath: string): string => join(lockPath, '..', buildLockOwnerFile);

/** Removes `folder` if it is still the one its build made, not another build's that took it over, and its owner file. */
export function removeLockFolder(folder: LockFolder): void {
  try {
    if (!isFolder(folder, fs.statSync(folder.path, { throwIfNoEntry: false }))) return;
    fs.rmdirSync(folder.path);
    if (isFolder(folder, ownerOf(folder.path) ?? undefined)) fs.rmSync(ownerPath(folder.path), { force: true });
  } catch {
    // On the way out: what is left goes stale in 10 s.
  }
}

/** The owner file of the lock folder at `lockPath` as read, or null when there is none or it is damaged. */
function ownerOf(lockPath: string): LockOwner | null {
  let owner: Partial<LockOwner> | null;
  try {
    owner = JSON.parse(fs.readFileSync(ownerPath(lockPath), 'utf8')) as Partial<LockOwner> | null;
  } catch {
    return null;
  }
  const { holder, ino, birthtimeMs } = owner ?? {};
  return typeof holder === 'string' && typeof ino === 'number' && typeof birthtimeMs === 'number' ? { holder, ino, birthtimeMs } : null;
}

/**
 * The lock folder at `lockPath` when its owner file names this very folder (inode and birth time, which a file system
 * without birth times cannot vouch for) and a process of this machine that is gone; else null: the lock is waited for.
 */
function orphanedLock(lockPath: string): LockFolder | null {
  const owner = ownerOf(lockPath);
  if (owner === null || owner.birthtimeMs === 0) return null;
  const folder = { path: lockPath, ino: owner.ino, birthtimeMs: owner.birthtimeMs };
  // And the file was written after the folder was made: a file left by a lock that is gone does not vouch for a folder
  // made anew with its inode within the same clock tick.
  const written = fs.statSync(ownerPath(lockPath), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return isFolder(folder, fs.statSync(lockPath, { throwIfNoEntry: false })) && written >= owner.birthtimeMs && isDeadLocalHolder(owner.holder) ? folder : null;
}

/** How long a lock (and the takeover guard) lasts once its holder stops renewing it: proper-lockfile's default. */
const staleMs = 10_000;

/**
 * Beside the lock while a build removes a lock whose holder is gone (killed, or not renewing it) and makes its own: one
 * build at a time, so none removes the lock another has just made in its place (a file system may give the new folder
 * the old one's inode, and the same birth time within a clock tick). A file naming its holder (see holderId), held
 * until the new lock's owner file is written.
 */
export const buildLockTakeoverFile = `${buildLockDir}.takeover`;

/** The takeover guard beside the lock at `lockPath`. */
const guardPath = (lockPath: string): string => join(lockPath, '..', buildLockTakeoverFile);

/**
 * Takes the takeover guard beside the lock at `lockPath` for `holder`, or false while another build holds it. One whose
 * holder is gone (a process of this machine that died holding it) or that is over 10 s old is set aside first: renamed
 * to a name of its own, and taken only if what was renamed is the one judged gone (another build may have set it
 * aside and made its own meanwhile; that one is put back). Errors other than a guard being there are thrown.
 */
function takeGuard(lockPath: string, holder: string): boolean {
  const guard = guardPath(lockPath);
  const make = (): boolean => {
    try {
      fs.writeFileSync(guard, holder, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  };
  if (make()) return true;
  // What is there: another build's guard (its holder), or a folder, which is damage (as a lock that is not an empty folder).
  let judged: string | null;
  try {
    const stats = fs.lstatSync(guard);
    judged = stats.isDirectory() ? null : fs.readFileSync(guard, 'utf8');
    if (judged !== null && !isDeadLocalHolder(judged) && stats.mtimeMs > Date.now() - staleMs) return false;
  } catch {
    return false; // gone meanwhile: the next turn tries again
  }
  const aside = `${guard}.${randomUUID()}`;
  try {
    fs.renameSync(guard, aside);
  } catch {
    return false;
  }
  const moved = fs.lstatSync(aside);
  const same = judged === null ? moved.isDirectory() : moved.isFile() && fs.readFileSync(aside, 'utf8') === judged;
  if (!same && moved.isFile()) {
    // Another build's new guard: back in its place, unless a third one took that meanwhile.
    try {
      fs.linkSync(aside, guard);
    } catch {
      // taken meanwhile
    }
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return same && make();
}

/** Gives the takeover guard beside the lock at `lockPath` up, if it is still `holder`'s. */
function dropGuard(lockPath: string, holder: string): void {
  const guard = guardPath(lockPath);
  if (fs.readFileSync(guard, 'utf8') === holder) fs.rmSync(guard, { force: true });
}

/**
 * Takes the build lock of `outDir` (made if need be), waiting up to `waitMs` while another build holds it, so two
 * builds never interleave their writes and manifests: each would vouch for files with its own view of the content. The
 * lock is stale 10 s after its holder stops renewing it (a killed build). Any other failure (a read-only folder) is
 * thrown at once, and `hooks.signal` ends the wait (BusyError).
 */
export async function lockOutDir(outDir: string, waitMs = lockWait.ms, hooks: LockHooks = {}): Promise<OutDirLock> {
  const { signal, onLock, onWait } = hooks;
  await makeFolder(outDir, '--out');
  const lockfilePath = join(outDir, buildLockDir);
  // A lock is an empty folder: anything else standing there (a file, a folder a file manager wrote into) is damage, and
  // goes; proper-lockfile would read it as a lock, then fail to remove it once stale.
  const standing = await lstat(lockfilePath).catch(() => null);
  // Gone meanwhile (its build let it go) is nothing standing there.
  const inside = standing?.isDirectory() ? await readdir(lockfilePath).catch(() => []) : [];
  if (standing && (!standing.isDirectory() || inside.length > 0)) await rm(lockfilePath, { recursive: true, force: true });
  let held: LockFolder | undefined;
  let tookOver = false;
  const holder = holderId();
  let guarded = false;
  const releaseGuard = (): void => {
    if (!guarded) return;
    guarded = false;
    try {
      dropGuard(lockfilePath, holder);
    } catch {
      // Gone already: another build found it stale.
    }
  };
  // The folder this build's mkdir made: proper-lockfile removes it itself should it fail to set its mtime.
  let made: fs.Stats | undefined;
  const busy = (): NodeJS.ErrnoException => Object.assign(new Error('Lock file is already being held'), { code: 'ELOCKED' });
  // proper-lockfile removes its folder on release and at exit without looking whose it is: after a takeover it would
  // remove the other build's. Before this build holds one, its removals are of stale locks, as they should be.
  const guardedFs = {
    ...fs,
    rmdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
      if (held === undefined) {
        const stats = fs.statSync(path, { throwIfNoEntry: false });
        if (isFolder(made, stats)) return fs.rmdir(path, callback);
        // A stale lock, removed under the takeover guard, and only while it is still stale: another build may have
        // removed it and made its own since proper-lockfile looked.
        try {
          if (!guarded && !(guarded = takeGuard(path, holder))) return callback(busy());
        } catch (error) {
          return callback(error as NodeJS.ErrnoException);
        }
        // Looked at again now that the guard is this build's.
        const now = fs.statSync(path, { throwIfNoEntry: false });
        if (now !== undefined && now.mtimeMs >= Date.now() - staleMs) {
          releaseGuard();
          return callback(busy());
        }
        // Its build may have been stopped rather than killed, and resume (see OutDirLock.tookOver).
        tookOver = true;
        return fs.rmdir(path, callback);
      }
      fs.stat(path, (error, stats) => (error === null && isFolder(held, stats) ? fs.rmdir(path, callback) : callback(null)));
    },
    mkdir(path: string, callback: (error: NodeJS.ErrnoException | null) => void): void {
      fs.mkdir(path, (error) => {
        made = error === null ? fs.statSync(path, { throwIfNoEntry: false }) : undefined;
        callback(error);
      });
    },
    rmdirSync(path: string): void {
      if (held === undefined) fs.rmdirSync(path);
      else removeLockFolder(held);
    },
  };
  let compromised: Error | undefined;
  // Where the file system keeps no birth times (0), a lock made anew may have this one's inode: proper-lockfile's own
  // check (the mtime it renews) is then what tells, and the thread's parent must forget the lock at once.
  const taken = new AbortController();
  const onCompromised = (error: Error): void => {
    compromised = error;
    onLock?.(null);
    taken.abort(takenOver(outDir, error));
  };
  const options = { lockfilePath, realpath: false, fs: guardedFs, onCompromised };
  const deadline = Date.now() + waitMs;
  let release: () => Promise<void>;
  let waiting = false;
  let clearedOrphan = false;
  for (;;) {
    try {
      // proper-lockfile's own retries would retry any error, a permission denied too, for the whole wait.
      release = await lock(outDir, options);
      const { ino, birthtimeMs } = await stat(lockfilePath);
      held = { path: lockfilePath, ino, birthtimeMs };
      try {
        fs.writeFileSync(ownerPath(lockfilePath), JSON.stringify({ holder, ino, birthtimeMs } satisfies LockOwner));
      } catch {
        // Without it, a lock this build leaves behind goes stale in 10 s, as before.
      }
      releaseGuard();
      onLock?.(held);
      break;
    } catch (error) {
      releaseGuard();
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      // A killed build's lock: taken at once, under the takeover guard (once: should it not go, it goes stale as any other).
      if (!clearedOrphan && orphanedLock(lockfilePath) !== null && (guarded = takeGuard(lockfilePath, holder))) {
        const orphan = orphanedLock(lockfilePath);
        if (orphan !== null) {
          clearedOrphan = true;
          // As with a stale lock: a build that took this one over from a stopped build may have kept its pending list.
          tookOver = true;
          removeLockFolder(orphan);
          continue;
        }
        releaseGuard();
      }
      if (Date.now() >= deadline) {
        const waited = `${Math.round(waitMs / 60_000)} minutes`;
        throw new BusyError(`another Gazette build is writing into ${outDir} and has not finished in ${waited} — wait for it, or stop it, then build again`, { cause: error });
      }
      if (!waiting) onWait?.(`another Gazette build is writing into ${outDir}: waiting for it to finish (a lock whose build was stopped, or runs on another machine, goes stale after 10 s)`);
      waiting = true;
      // A stop (Ctrl-C, the daemon's SIGTERM) ends the wait, at once when it came before: nothing is in flight yet.
      await sleep(lockWait.every, undefined, signal ? { signal } : {}).catch(() => {
        throw new BusyError(`stopped while another Gazette build was writing into ${outDir}; nothing was built`, { cause: error });
      });
    }
  }
  const lost = async (): Promise<boolean> => compromised !== undefined || !isFolder(held, await stat(lockfilePath).catch(() => undefined));
  let released = false;
  return {
    lost,
    signal: taken.signal,
    // Settled by now: proper-lockfile removes a stale lock only while this build takes it.
    tookOver,
    async release() {
      if (released) return;
      released = true;
      // Said first: once taken over, or about to go, the folder is no longer this build's to remove.
      onLock?.(null);
      const wasLost = await lost();
      // Before the folder goes: once it has, the file may be the next build's.
      if (!wasLost && ownerOf(lockfilePath)?.holder === holder) fs.rmSync(ownerPath(lockfilePath), { force: true });
      // Also when lost: proper-lockfile forgets the lock and stops renewing it (its removal is guarded, above).
      await release().catch((error: unknown) => {
        if (!wasLost) throw error;
      });
      if (wasLost) throw takenOver(outDir, compromised);
    },
  };
}
