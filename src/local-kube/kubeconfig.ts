// The kubeconfig local-kube writes: its URL, its CA (certificate-authority-data) and its token.
import YAML from 'yaml';

/** A kubeconfig with one cluster, user and context, all named `local-kube`. */
export function renderKubeconfig(
  server: string,
  caPem: string,
  token: string,
  namespace = 'default',
): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'local-kube',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: 'local-kube', user: { token } }],
    contexts: [
      { name: 'local-kube', context: { cluster: 'local-kube', user: 'local-kube', namespace } },
    ],
    'current-context': 'local-kube',
    preferences: {},
  });
}
