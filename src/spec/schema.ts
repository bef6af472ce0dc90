import { z } from 'zod';
import {
  AGENT_NAME_PATTERN,
  HOST_PATTERN,
  LIMITS,
  PATH_PATTERN,
  SERVICE_NAME_PATTERN,
  UPSTREAM_PATTERN,
} from './patterns.ts';

const port = z.number().int().min(1).max(65535);

/** `host:port` with a port in range and, for an IPv4 host, octets in range. */
export const upstreamSchema = z
  .string()
  .max(LIMITS.upstreamMaxLength)
  .regex(new RegExp(UPSTREAM_PATTERN), 'must be host:port with a DNS name or IPv4 address')
  .superRefine((value, ctx) => {
    const sep = value.lastIndexOf(':');
    const host = value.slice(0, sep);
    const portNumber = Number(value.slice(sep + 1));
    if (!(portNumber >= 1 && portNumber <= 65535)) {
      ctx.addIssue({ code: 'custom', message: `port ${portNumber} is out of range 1-65535` });
    }
    if (/^[0-9.]+$/.test(host) && host.split('.').some((octet) => Number(octet) > 255)) {
      ctx.addIssue({ code: 'custom', message: `${host} is not a valid IPv4 address` });
    }
  });

export const serviceBackendSchema = z.strictObject({
  name: z.string().regex(new RegExp(SERVICE_NAME_PATTERN), 'must be a DNS-1035 label'),
  port,
});

/** Exactly one backend kind: a Kubernetes Service or a list of upstream addresses. */
export const backendSchema = z.union([
  z.strictObject({ service: serviceBackendSchema }),
  z.strictObject({ upstreams: z.array(upstreamSchema).min(1).max(LIMITS.upstreamsMax) }),
]);

export const httpPathSchema = z.strictObject({
  path: z
    .string()
    .max(LIMITS.pathMaxLength)
    .regex(new RegExp(PATH_PATTERN), 'must start with / and use only URL-safe characters'),
  pathType: z.enum(['Prefix', 'Exact']),
  backend: backendSchema,
});

export const ruleSchema = z.strictObject({
  host: z
    .string()
    .max(LIMITS.hostMaxLength)
    .regex(new RegExp(HOST_PATTERN), 'must be a lower-case DNS name, optionally starting with *.'),
  http: z.strictObject({
    paths: z.array(httpPathSchema).min(1).max(LIMITS.pathsMax),
  }),
});

const labelSelectorRequirementSchema = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

/** A Kubernetes label selector (matchLabels AND matchExpressions). */
export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
});

/** The spec of a Wise2cIngressConfig, with the checks the CRD's openAPIV3Schema cannot express. */
export const ingressSpecSchema = z
  .strictObject({
    agentSelector: labelSelectorSchema.optional(),
    rules: z.array(ruleSchema).min(1).max(LIMITS.rulesMax),
  })
  .superRefine((spec, ctx) => {
    const seen = new Map<string, string>();
    spec.rules.forEach((rule, r) =>
      rule.http.paths.forEach((p, i) => {
        const key = `${rule.host} ${p.pathType} ${p.path}`;
        const where = `rules[${r}].http.paths[${i}]`;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', r, 'http', 'paths', i],
            message: `${where} repeats host ${rule.host} ${p.pathType} path ${p.path} of ${first}`,
          });
        } else {
          seen.set(key, where);
        }
      }),
    );
    for (const [i, expr] of (spec.agentSelector?.matchExpressions ?? []).entries()) {
      const hasValues = (expr.values?.length ?? 0) > 0;
      const wantsValues = expr.operator === 'In' || expr.operator === 'NotIn';
      if (hasValues !== wantsValues) {
        ctx.addIssue({
          code: 'custom',
          path: ['agentSelector', 'matchExpressions', i, 'values'],
          message: wantsValues
            ? `operator ${expr.operator} needs at least one value`
            : `operator ${expr.operator} takes no values`,
        });
      }
    }
  });

export const agentNameSchema = z
  .string()
  .max(LIMITS.agentNameMaxLength)
  .regex(new RegExp(AGENT_NAME_PATTERN), 'must be a lower-case DNS-1123 subdomain');

/** A config as it travels to an agent: identity, generation and spec. */
export const ingressConfigSchema = z.strictObject({
  uid: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9-]+$/, 'must be a Kubernetes uid'),
  namespace: z.string().regex(new RegExp(AGENT_NAME_PATTERN)).max(63),
  name: z.string().regex(new RegExp(AGENT_NAME_PATTERN)).max(253),
  generation: z.number().int().min(1),
  spec: ingressSpecSchema,
});

export type IngressSpec = z.infer<typeof ingressSpecSchema>;
export type IngressRule = z.infer<typeof ruleSchema>;
export type HttpPath = z.infer<typeof httpPathSchema>;
export type Backend = z.infer<typeof backendSchema>;
export type LabelSelector = z.infer<typeof labelSelectorSchema>;
export type IngressConfig = z.infer<typeof ingressConfigSchema>;
