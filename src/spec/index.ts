// The Wise2cIngressConfig spec: its schema, strict patterns and the helpers every side shares.
export * from './patterns.ts';
export * from './schema.ts';
export { formatIssues } from './format.ts';
