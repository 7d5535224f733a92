// Every command of SPEC "Commands", one file each.
import build from './build.js';
import daemon from './daemon.js';
import db from './db.js';
import inbound from './inbound.js';
import preview from './preview.js';
import publish from './publish.js';
import send from './send.js';
import serve from './serve.js';
import stats from './stats.js';
import subscribers from './subscribers.js';

/** The subcommands of `gazette`. */
export const commands = { build, preview, publish, send, subscribers, serve, daemon, inbound, stats, db };
