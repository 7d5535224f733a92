import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { optionArgs } from '../context.js';

/** `gazette serve`: Serve --out over HTTP with /subscribe, /confirm, /unsubscribe and /healthz */
export default defineCommand({
  meta: { name: 'serve', description: 'Serve --out over HTTP with /subscribe, /confirm, /unsubscribe and /healthz' },
  args: { ...optionArgs },
  run() {
    throw new NotBuiltError('serve');
  },
});
