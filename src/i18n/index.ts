// Every word Gazette writes for readers, in the site's language: catalogues, and writing a message.
export { articleLanguage, builtInLanguages, declaredLanguage, directionOf, loadSiteCatalogues, resolveLocale, textDirection, type CatalogueFiles, type Locale } from './catalogue.js';
export { formatLongDate } from './dates.js';
export { formatNumber, registerMessageHelpers, t, tHtml, type MessageParams } from './format.js';
