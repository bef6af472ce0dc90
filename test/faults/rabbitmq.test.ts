// Faults of RabbitMQ (a dedicated broker, so it can be restarted): restarted in the middle of a
// fan-out, and down for 30 s. Traffic flows throughout; each scenario ends on the shared invariant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/devservices/index.ts';
import { FaultSystem } from '../support/faults-system.ts';
import { simpleSpec } from '../support/kube.ts';

let fs: FaultSystem;
const STATIC = 20;
let round = 0;

/** Gives every static resource a new generation at once: a fan-out of STATIC × agents pushes. */
async function fanOut(): Promise<void> {
  round++;
  await Promise.all(
    Array.from({ length: STATIC }, (_, i) =>
      fs.wic.patch(`static-${i}`, {
        spec: simpleSpec(`static-${i}.example.com`, [`127.0.0.1:${100 + round}`]),
      }),
    ),
  );
}

describe('faults: RabbitMQ', () => {
  before(async () => {
    fs = await FaultSystem.start({ dedicatedRabbit: true });
    await fs.startController();
    for (const name of ['q1', 'q2', 'q3']) await fs.startAgent({ name, labels: { zone: 'edge' } });
    await fs.ready();
    for (let i = 0; i < STATIC; i++)
      await fs.wic.create(`static-${i}`, simpleSpec(`static-${i}.example.com`));
    await fs.converged();
  });
  after(async () => assert.deepEqual(await fs?.stop(), []));

  test('RabbitMQ restarted in the middle of a fan-out', async (t) => {
    const rabbit = fs.system.rabbit!;
    const r = await fs.scenario(
      async () => {
        const before = await fs.metric('wise2c_rpc_calls_total', 'SetIngressConfig');
        await fanOut();
        await waitFor(
          async () => (await fs.metric('wise2c_rpc_calls_total', 'SetIngressConfig')) - before >= 5,
          { timeoutMs: 15_000, intervalMs: 10, what: 'the fan-out to start' },
        );
        await rabbit.stop();
        await rabbit.start();
      },
      { traffic: { prefix: 'rmq' }, timeoutMs: 60_000 },
    );
    t.diagnostic(`RabbitMQ restart mid-fan-out: recovered in ${r.recoveryMs} ms after it was back`);
  });

  test('RabbitMQ down for 30 s, then back', async (t) => {
    const rabbit = fs.system.rabbit!;
    let reason = '';
    const r = await fs.scenario(
      async () => {
        await rabbit.kill();
        const outage = new Promise((resolve) => setTimeout(resolve, 30_000)); // the fault itself
        await fanOut();
        // What a user sees meanwhile: the agents are gone from status.
        await waitFor(
          async () => {
            const obj = await fs.wic.get('static-0');
            reason = obj?.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '';
            return (
              obj?.status?.observedGeneration === obj?.metadata.generation &&
              reason !== 'AllAgentsSynced'
            );
          },
          { timeoutMs: 29_000, intervalMs: 200, what: 'static-0 to show the outage' },
        );
        await outage;
        await rabbit.start();
      },
      { traffic: { prefix: 'down' }, timeoutMs: 60_000 },
    );
    t.diagnostic(
      `RabbitMQ down 30 s: status said ${reason}; recovered in ${r.recoveryMs} ms after it was back`,
    );
  });
});
