// The API engine without the network: store, registry of served resources, writes and the
// lifecycle controllers, with the default namespaces created. The server wraps it; unit tests use it.
import { BUILTINS } from './builtins.ts';
import { Lifecycle } from './lifecycle.ts';
import { Objects } from './objects.ts';
import { Registry } from './resources.ts';
import { Store } from './store.ts';

/** The parts of a running API, wired. */
export interface Engine {
  store: Store;
  registry: Registry;
  objects: Objects;
}

/** A fresh engine keeping `watchWindow` past changes for watch resume. */
export function createEngine(watchWindow = 1000): Engine {
  const store = new Store(watchWindow);
  const registry = new Registry();
  for (const t of BUILTINS) registry.add(t);
  const objects = new Objects(store, registry);
  objects.hooks = new Lifecycle(objects, registry);
  const nsType = registry.get('', 'v1', 'namespaces');
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    if (nsType)
      objects.create(nsType, '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  return { store, registry, objects };
}
