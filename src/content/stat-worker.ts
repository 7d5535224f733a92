// A worker thread of listArticleFiles: reads the fingerprints of the article files it is sent, in order.
import { join } from 'node:path';
import { serveBatches } from '../threads.js';
import { statFingerprint } from './read.js';

serveBatches((paths: string[], { contentDir, now }: { contentDir: string; now: number }) => paths.map((path) => statFingerprint(join(contentDir, path), now)));
