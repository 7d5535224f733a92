// The values a digest's subject template names, apart from the schema so the renderers load no validator.

/** The values a subject template (`newsletter.subject`) names in braces. */
export const subjectFields = ['title', 'date', 'headline', 'number', 'edition'] as const;
