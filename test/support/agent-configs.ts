// Builders of IngressConfig values for the agent and registry tests.
import type { IngressConfig } from '../../src/spec/index.ts';

/** A config routing `host` + `path` (Prefix) to `upstreams`; override anything. */
export function makeConfig(
  overrides: Partial<Omit<IngressConfig, 'spec'>> & {
    host?: string;
    path?: string;
    pathType?: 'Prefix' | 'Exact';
    upstreams?: string[];
  } = {},
): IngressConfig {
  const {
    host = 'app.example.com',
    path = '/',
    pathType = 'Prefix',
    upstreams = ['127.0.0.1:9'],
    ...meta
  } = overrides;
  return {
    uid: 'uid-1',
    namespace: 'default',
    name: 'web',
    generation: 1,
    ...meta,
    spec: { rules: [{ host, http: { paths: [{ path, pathType, backend: { upstreams } }] } }] },
  };
}

/** Values that could inject nginx directives, one per dangerous character class. */
export const INJECTIONS = [
  ';',
  '{',
  '}',
  '"',
  "'",
  '$',
  '#',
  ' ',
  '\t',
  '\n',
  '\r',
  'é',
  '\u00a0',
] as const;

/** The same config with `value` spliced into host, path or upstream. */
export function injected(field: 'host' | 'path' | 'upstream', value: string): IngressConfig {
  if (field === 'host') return makeConfig({ host: `app${value}x.example.com` });
  if (field === 'path') return makeConfig({ path: `/a${value}b` });
  return makeConfig({ upstreams: [`up${value}x.example.com:80`] });
}
