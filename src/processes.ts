// Whether another process of this machine still exists: what a holder left behind (a lease row, a temporary file) may
// be taken over or removed only once its process is gone.

/** True only when no process `pid` exists; one of another user, or any doubt, counts as alive (the safe side). */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0 only asks
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
