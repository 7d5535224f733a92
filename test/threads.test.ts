// Batches on worker threads: answers matched to their batches when several are in flight, failures heard by every
// asker, and this thread's share. The worker is the parse threads' module, asked for file fingerprints (see read.ts).
import { once } from 'node:events';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statFingerprint, type StatContext } from '../src/content/read.js';
import { askWorker, mapOnWorkers, startWorker, workerModule } from '../src/threads.js';

const statModule = workerModule('parse-worker', new URL('../src/content/parse-pool.ts', import.meta.url).href);
const names = Array.from({ length: 200 }, (_, i) => `file-${i}.md`);

let dir: string;
let context: StatContext;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-threads-'));
  const old = new Date('2020-01-01T00:00:00Z');
  // Sizes differ, so each file's fingerprint is its own; old times, so that each has one.
  for (const [i, name] of names.entries()) {
    await writeFile(join(dir, name), 'x'.repeat(i + 1));
    await utimes(join(dir, name), old, old);
  }
  context = { contentDir: dir, now: Date.now() };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const expected = (): (string | null)[] => names.map((name) => statFingerprint(join(dir, name), context.now));

describe('askWorker', () => {
  it('gives each batch its own answer when several are sent before the first is answered', async () => {
    const worker = startWorker(statModule);
    try {
      const answers = await Promise.all([names.slice(0, 3), names.slice(3, 4), names.slice(4, 9)].map((batch) => askWorker(worker, context, batch)));
      expect(answers.flat()).toEqual(expected().slice(0, 9));
      expect(answers.map((answer) => answer.length)).toEqual([3, 1, 5]);
    } finally {
      await worker.terminate();
    }
  });

  it('rejects a batch with the error it failed with, and the thread goes on to the next', async () => {
    const worker = startWorker(statModule);
    try {
      // A path with a NUL byte, which no file system takes, makes the thread's work throw.
      const [failed, next] = await Promise.allSettled([askWorker(worker, context, ['a\0b']), askWorker(worker, context, names.slice(0, 2))]);
      expect(failed.status).toBe('rejected');
      expect(String((failed as PromiseRejectedResult).reason)).toMatch(/path/);
      expect(next).toEqual({ status: 'fulfilled', value: expected().slice(0, 2) });
    } finally {
      await worker.terminate();
    }
  });

  it('rejects the batches in flight when the thread ends before it answers, and at once any batch asked after', async () => {
    const worker = startWorker(statModule);
    const asked = askWorker(worker, context, names);
    await worker.terminate();
    await expect(asked).rejects.toThrow(/ended/);
    await expect(askWorker(worker, context, names)).rejects.toThrow(/ended/);
  });

  it('keeps the error of a thread that fails before it is asked anything for the first asker, not ending this process', async () => {
    const worker = startWorker(new URL(`data:text/javascript,${encodeURIComponent('throw new Error("cannot load the parsers")')}`));
    // (events.once would reject at the 'error' event: this waits for the exit that follows it.)
    await new Promise((resolve) => worker.on('exit', resolve));
    await expect(askWorker(worker, context, names)).rejects.toThrow(/cannot load the parsers/);
  });
});

describe('mapOnWorkers', () => {
  it('shares the batches between the threads and this one, results in the order of the items', async () => {
    let here = 0;
    const work = (batch: string[]): (string | null)[] => {
      here += batch.length;
      return batch.map((name) => statFingerprint(join(dir, name), context.now));
    };
    const results = await mapOnWorkers<StatContext, string, string | null>(statModule, context, names, 1, 10, { here: { after: Promise.resolve(), work } });
    expect(results).toEqual(expected());
    // The thread is sent its first batches as it starts, and this one takes the next ones meanwhile.
    expect(here).toBeGreaterThan(0);
    expect(here).toBeLessThan(names.length);
  });

  it('stops sharing out batches at the first failure, and rejects with it once every thread has ended', async () => {
    const thread = startWorker(statModule);
    let answers = 0;
    thread.on('message', () => answers++);
    let exited = false;
    const exit = once(thread, 'exit').then(() => (exited = true));
    let here = 0;
    // This thread's share begins only once the thread has ended: by then no batch is left to begin.
    const work = (batch: unknown[]): null[] => batch.map(() => (here++, null));
    // 1,000 batches of 10; the fourth fails.
    const items: unknown[] = Array.from({ length: 10_000 }, (_, i) => (i === 35 ? 'a\0b' : names[i % names.length]));
    const mapped = mapOnWorkers<StatContext, unknown, string | null>(statModule, context, items, 1, 10, { started: [thread], here: { after: exit, work } });
    await expect(mapped).rejects.toThrow(/path/);
    expect(exited).toBe(true);
    expect(here).toBe(0);
    // The four sent first, and those sent as the first three were answered.
    expect(answers).toBeLessThanOrEqual(7);
  });

  it('starts this thread\'s share only once `after` fulfils, and with no thread does all of it', async () => {
    let release = (): void => undefined;
    const after = new Promise<void>((resolve) => (release = resolve));
    const done: number[] = [];
    const mapped = mapOnWorkers<StatContext, string, number>(statModule, context, names.slice(0, 25), 0, 10, {
      here: { after, work: (batch) => batch.map((name) => done.push(names.indexOf(name))) },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toEqual([]);
    release();
    expect(await mapped).toHaveLength(25);
    expect(done).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});
