import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { optionArgs } from '../context.js';

/** `gazette preview`: Render the next digest to an HTML file; records and sends nothing */
export default defineCommand({
  meta: { name: 'preview', description: 'Render the next digest to an HTML file; records and sends nothing' },
  args: { ...optionArgs, output: { type: 'string', valueHint: 'FILE', description: 'where to write the HTML (default: preview.html)' } },
  run() {
    throw new NotBuiltError('preview');
  },
});
