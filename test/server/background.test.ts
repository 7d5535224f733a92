// Work that runs after an answer: confirmation mails wait for the answer to be sent whole.
import { describe, expect, it } from 'vitest';
import { BackgroundTasks } from '../../src/server/index.js';

describe('BackgroundTasks', () => {
  it('starts a task only once its answer is sent, and settles when it has run', async () => {
    const tasks = new BackgroundTasks();
    const events: string[] = [];
    let markSent = (): void => undefined;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    tasks.run(async () => void events.push('task'), () => events.push('error'), sent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    events.push('sent');
    markSent();
    await tasks.settle();
    expect(events).toEqual(['sent', 'task']);
  });

  it('hands a failed task to onError', async () => {
    const tasks = new BackgroundTasks();
    const errors: unknown[] = [];
    tasks.run(() => Promise.reject(new Error('smtp down')), (error) => errors.push(error));
    await tasks.settle();
    expect(errors).toEqual([new Error('smtp down')]);
  });
});
