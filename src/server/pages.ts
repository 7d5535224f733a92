// The server's own pages (subscribe form, notices, unsubscribe button), in the site's layout so they look like
// the rest of the site. Handlebars escapes every value; none of these templates has a raw `{{{…}}}`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { SiteConfig } from '../config/schema.js';
import { registerMessageHelpers } from '../i18n/index.js';
import { templatesDirOf } from '../paths.js';
import type { ChoiceBox } from '../subscribers/choices.js';
import { feedLinks, frame } from '../site/pages.js';
import { defaultTemplatesDir as siteTemplatesDir } from '../site/templates.js';

/** `templates/server/` of this installation (see templatesDirOf). */
const serverTemplatesDir = templatesDirOf('server');

/** What each page shows. */
export interface PageViews {
  subscribe: { error: string | null; invalidEmail?: boolean; email: string; name: string; choices: ChoiceBoxes };
  notice: { heading: string; paragraphs: string[]; link: { href: string; label: string } | null };
  /** `edition`: the name of the one edition the link leaves, when the reader gets others too (null: the whole newsletter). */
  unsubscribe: { email: string; action: string; already: boolean; edition: string | null };
  preferences: { email: string; action: string; subscribed: boolean; error: string | null; choices: ChoiceBoxes };
  /** The confirm button, or (`resend`) why a link no longer confirms and a button that sends a new one. */
  confirm: {
    heading: string;
    message: string;
    button: string;
    email: string;
    action: string;
    resend: boolean;
    /** What confirming gives the reader (the request's name and choices, as labels), so one made by someone else shows; null on a resend page. */
    request: { name: string | null; sections: string; editions: string | null } | null;
  };
}

/** The checkboxes of the editions and sections a reader can choose (`templates/site/choices.hbs`). */
export interface ChoiceBoxes {
  editions: ChoiceBox[];
  sections: ChoiceBox[];
  /** The groups shown with no box ticked (a form sent back so): marked, and the first box takes the focus. */
  missing: { editions: boolean; sections: boolean };
}

/** A page name. */
export type PageName = keyof PageViews;

/** Renders the server's pages for one site. */
export type PageRenderer = <P extends PageName>(page: P, path: string, title: string, view: PageViews[P]) => string;

/** Compiles the server pages (once, at start-up) around the site's layout partial. */
export function loadPages(config: SiteConfig, dirs = { server: serverTemplatesDir, site: siteTemplatesDir }): PageRenderer {
  const hbs = Handlebars.create();
  registerMessageHelpers(hbs);
  // A compiled partial: a string partial would be compiled again on every render.
  hbs.registerPartial('layout', hbs.compile(readFileSync(join(dirs.site, 'layout.hbs'), 'utf8'), { strict: true }));
  hbs.registerPartial('choices', hbs.compile(readFileSync(join(dirs.site, 'choices.hbs'), 'utf8'), { strict: true }));
  const compile = (dir: string, name: PageName): Handlebars.TemplateDelegate =>
    hbs.compile(readFileSync(join(dir, `${name}.hbs`), 'utf8'), { strict: true });
  const templates: Record<PageName, Handlebars.TemplateDelegate> = {
    // The site writes the same form as subscribe/index.html; the server shows it again with an error.
    subscribe: compile(dirs.site, 'subscribe'),
    notice: compile(dirs.server, 'notice'),
    unsubscribe: compile(dirs.server, 'unsubscribe'),
    preferences: compile(dirs.server, 'preferences'),
    confirm: compile(dirs.server, 'confirm'),
  };
  const feeds = feedLinks(config, '', config.title);
  return (page, path, title, view) =>
    templates[page]({
      ...view,
      ...frame(config, {
        root: '/',
        pageTitle: `${title} — ${config.title}`,
        description: '',
        canonical: `${config.baseUrl}${path}`,
        meta: [],
        feeds,
        nav: [],
      }),
    });
}
