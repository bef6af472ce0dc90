// Strict character sets for every value that reaches a proxy configuration file. They are the
// single source for the controller's validation, the agent's hardening and the CRD's patterns
// (crds/ repeats them as strings; a unit test keeps the two in step).

const LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';

/** A DNS name, lower case, with an optional leading `*.` wildcard label. */
export const HOST_PATTERN = `^(\\*\\.)?${LABEL}(\\.${LABEL})*$`;

/** A URL path: starts with `/`, no whitespace, quotes, `;`, `{`, `}`, `$`, `#`, `%` or non-ASCII. */
export const PATH_PATTERN = '^/[A-Za-z0-9._~/@:+,=-]*$';

/** `host:port` where host is a DNS name or an IPv4 address. */
export const UPSTREAM_PATTERN = `^(${LABEL}(\\.${LABEL})*|[0-9]{1,3}(\\.[0-9]{1,3}){3}):[0-9]{1,5}$`;

/** A Kubernetes Service name (DNS-1035 label). */
export const SERVICE_NAME_PATTERN = '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$';

/** An agent name: a DNS-1123 subdomain, usable in queue names, Redis keys and file names. */
export const AGENT_NAME_PATTERN = `^${LABEL}(\\.${LABEL})*$`;

export const LIMITS = {
  hostMaxLength: 253,
  pathMaxLength: 256,
  upstreamMaxLength: 261,
  rulesMax: 100,
  pathsMax: 100,
  upstreamsMax: 64,
  agentNameMaxLength: 253,
} as const;
