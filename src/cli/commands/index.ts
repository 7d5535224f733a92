// Every command of SPEC "Commands", one file each, loaded only when it runs or its help is shown: so
// `gazette --version` and each command's start-up do not pay for the other commands' libraries.

/** The subcommands of `gazette`. */
export const commands = {
  build: () => import('./build.js').then((m) => m.default),
  preview: () => import('./preview.js').then((m) => m.default),
  publish: () => import('./publish.js').then((m) => m.default),
  send: () => import('./send.js').then((m) => m.default),
  subscribers: () => import('./subscribers.js').then((m) => m.default),
  serve: () => import('./serve.js').then((m) => m.default),
  daemon: () => import('./daemon.js').then((m) => m.default),
  inbound: () => import('./inbound.js').then((m) => m.default),
  stats: () => import('./stats.js').then((m) => m.default),
  db: () => import('./db.js').then((m) => m.default),
};
