import { KubeConfig } from '@kubernetes/client-node';

type Dispatcher = NonNullable<
  ReturnType<Parameters<KubeConfig['applySecurityAuthentication']>[0]['getDispatcher']>
>;

/**
 * client-node 2.0 builds a new undici Agent for every API request, so every request opens its own
 * TLS connection (a CPU profile of the controller in bench/convergence put a fifth of its time in
 * TLS handshakes and teardown). This makes the requests of one kubeconfig share one Agent, and so
 * keep-alive connections, per cluster and user.
 */
export function shareConnections(kc: KubeConfig): KubeConfig {
  const apply = kc.applySecurityAuthentication.bind(kc);
  const shared = new Map<string, Dispatcher>();
  kc.applySecurityAuthentication = async (context) => {
    await apply(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = JSON.stringify([kc.getCurrentCluster(), kc.getCurrentUser()]);
    const existing = shared.get(key);
    if (existing) context.setDispatcher(existing);
    else shared.set(key, fresh);
  };
  return kc;
}

/** A kubeconfig from `path` when given; else client-node's default: KUBECONFIG, in-cluster, ~/.kube/config. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig names no current cluster');
  return shareConnections(kc);
}

/** The HTTP status of a client-node error (ApiException.code, or a watch error's statusCode). */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof statusCode === 'number') return statusCode;
  return undefined;
}
