// The leader SIGKILLed in the middle of a reconcile (a fan-out of 20 updated resources): the
// standby takes the Lease and no resource stays unsynced. Traffic flows throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/devservices/index.ts';
import { metricSum } from '../support/system.ts';
import { FaultSystem } from '../support/faults-system.ts';
import { simpleSpec } from '../support/kube.ts';

let fs: FaultSystem;
const STATIC = 30;

describe('faults: the leader', () => {
  before(async () => {
    // One reconcile and one push at a time: the fan-out lasts long enough to be killed inside.
    fs = await FaultSystem.start({
      env: { MAX_CONCURRENT_RECONCILES: '1', FANOUT_CONCURRENCY: '1' },
    });
    await fs.startController();
    await fs.startController();
    for (const name of ['l1', 'l2', 'l3']) await fs.startAgent({ name, labels: { zone: 'edge' } });
    await fs.ready();
    for (let i = 0; i < STATIC; i++)
      await fs.wic.create(`static-${i}`, simpleSpec(`static-${i}.example.com`));
    await fs.converged();
  });
  after(async () => assert.deepEqual(await fs?.stop(), []));

  test('the leader SIGKILLed mid-reconcile: the standby takes over, nothing stays unsynced', async (t) => {
    let pushedBeforeKill = 0;
    let killedAt = 0;
    let ledAt = 0;
    const r = await fs.scenario(
      async () => {
        const leader = await fs.leader();
        const before = await metricSum(
          leader.httpPort,
          'wise2c_rpc_calls_total',
          'SetIngressConfig',
        );
        // A fan-out: every static resource gets a new generation.
        await Promise.all(
          Array.from({ length: STATIC }, (_, i) =>
            fs.wic.patch(`static-${i}`, {
              spec: simpleSpec(`static-${i}.example.com`, ['127.0.0.1:7']),
            }),
          ),
        );
        // Killed once it has pushed some of the fan-out, not all of it.
        await waitFor(
          async () => {
            const pushed =
              (await metricSum(leader.httpPort, 'wise2c_rpc_calls_total', 'SetIngressConfig')) -
              before;
            pushedBeforeKill = pushed;
            return pushed >= 3;
          },
          { timeoutMs: 15_000, intervalMs: 10, what: 'the leader to start the fan-out' },
        );
        await fs.kill(leader.proc);
        killedAt = Date.now();
        await fs.leader(); // the standby, after the Lease expires
        ledAt = Date.now();
      },
      { traffic: { prefix: 'lead' }, timeoutMs: 30_000 },
    );
    t.diagnostic(
      `leader SIGKILL after ${pushedBeforeKill} of ${STATIC * 3} pushes: standby led ${ledAt - killedAt} ms later; invariant held ${r.recoveryMs} ms after that`,
    );
    assert.ok(pushedBeforeKill < STATIC * 3, 'killed before the fan-out finished');
  });
});
