import type { z } from 'zod';

/** One sentence per issue, each prefixed by its field path (`spec.rules[0].host: ...`). */
export function formatIssues(error: z.ZodError, root = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.reduce<string>(
        (acc, part) =>
          typeof part === 'number'
            ? `${acc}[${part}]`
            : acc
              ? `${acc}.${String(part)}`
              : String(part),
        root,
      );
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
