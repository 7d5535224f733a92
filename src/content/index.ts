// The content stage's public face: load articles from `content/`, pick the published ones.
export type { Article, ArticleImage, RelatedRef } from './article.js';
export { parseArticleDate, type DateResult } from './dates.js';
export { loadArticles, type LoadResult } from './load.js';
export { parseMarkdownArticle } from './markdown.js';
export { parseArticle } from './parse.js';
export { isArticlePath, MAX_ARTICLE_BYTES, parseOptionsOf } from './parsing.js';
export type { ArticleContent, ParseOptions, ParseResult } from './parsing.js';
export { selectPublished } from './select.js';
export * from './text.js';
export { parseWireText } from './wire.js';
