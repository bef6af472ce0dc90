// The `file` applier: the state folder is the output; one JSON file per config.
import type { IngressConfig } from '../spec/index.ts';
import { StateApplier, type Sink } from './applier.ts';
import { StateStore } from './state-store.ts';

const noSink: Sink = {
  start: async () => {},
  commit: async (_configs: readonly IngressConfig[]) => {},
  stop: async () => {},
};

/** An applier that writes `<namespace>_<name>.json` per config into `stateDir`, atomically. */
export function createFileApplier(stateDir: string): StateApplier {
  return new StateApplier(new StateStore(stateDir), noSink);
}
