// Content negotiation: which representation a request's Accept header asks for.
import { ApiError } from './errors.ts';

/** The representations local-kube serves. */
export type Representation = 'json' | 'yaml' | 'table' | 'metadata';

/** What to answer, and the Content-Type to answer it with. */
export interface Negotiated {
  as: Representation;
  contentType: string;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

/** Parses an Accept header into media ranges in the client's order (q ignored, as client-go sends none). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const [k, v = ''] = p.split('=');
      if (k) params[k.trim()] = v.trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/** Picks the representation for an object or list endpoint; 406 when none is acceptable. */
export function negotiate(header: string | undefined, list: boolean): Negotiated {
  for (const m of parseAccept(header)) {
    if (
      m.type !== 'application/json' &&
      m.type !== '*/*' &&
      m.type !== 'application/*' &&
      m.type !== 'application/yaml'
    )
      continue;
    const as = m.params.as;
    if (
      m.type === 'application/json' &&
      as === 'Table' &&
      m.params.g === 'meta.k8s.io' &&
      (m.params.v === 'v1' || m.params.v === 'v1beta1')
    ) {
      return {
        as: 'table',
        contentType: `application/json;as=Table;v=${m.params.v};g=meta.k8s.io`,
      };
    }
    const metaKind = list ? 'PartialObjectMetadataList' : 'PartialObjectMetadata';
    if (
      m.type === 'application/json' &&
      as === metaKind &&
      m.params.g === 'meta.k8s.io' &&
      m.params.v === 'v1'
    ) {
      return { as: 'metadata', contentType: `application/json;as=${metaKind};v=v1;g=meta.k8s.io` };
    }
    if (as !== undefined) continue;
    if (m.type === 'application/yaml') return { as: 'yaml', contentType: 'application/yaml' };
    return { as: 'json', contentType: 'application/json' };
  }
  throw new ApiError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io, application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io`,
  );
}
