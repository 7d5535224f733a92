// Handlebars in two weights: its runtime alone runs precompiled templates and escapes; the compiler (which loads
// source-map too, about as much again) is loaded only where a template is compiled from its text.
import type Handlebars from 'handlebars';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Handlebars without its compiler: `template`, `create`, helpers, partials, `SafeString`, `escapeExpression`. */
export const handlebarsRuntime = require('handlebars/runtime') as typeof Handlebars;

/** All of Handlebars, loaded on the first call. */
export function loadHandlebarsCompiler(): typeof Handlebars {
  return require('handlebars') as typeof Handlebars;
}
