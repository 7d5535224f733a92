// The digest stage's public face: select, render once, personalize per reader, archive, store.
export { writeDigestArchive, type ArchivedDigest } from './archive.js';
export { fillConfirmation, renderConfirmationTemplate, type ConfirmationTemplate } from './confirm.js';
export { makeDigest, readDigestHistory } from './make.js';
export { personalize, placeholders, type PersonalizedEmail, type Reader, type RenderedEmail } from './personalize.js';
export { previewDigest, type DigestPreview } from './preview.js';
export {
  digestSubject,
  htmlBudgetBytes,
  renderDigest,
  renderDigestIndex,
  renderWebDigest,
  type DigestContent,
  type RenderedDigest,
} from './render.js';
export { selectDigestArticles, type DigestSelection } from './select.js';
export { articleUrl, digestWebUrl } from './urls.js';
