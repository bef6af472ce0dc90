// Faults of the Kubernetes API server (local-kube): watch streams cut, a forced 410 relist, and
// status patches answered 500, or 429 with Retry-After. Traffic flows throughout; each scenario
// ends on the shared invariant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../src/devservices/index.ts';
import { FaultSystem } from '../support/faults-system.ts';

let fs: FaultSystem;
const STATUS_PATCH = /\/wise2cingressconfigs\/[^/]+\/status/;

describe('faults: the API server', () => {
  before(async () => {
    fs = await FaultSystem.start();
    await fs.startController();
    await fs.startAgent({ name: 'k1', labels: { zone: 'edge' } });
    await fs.startAgent({ name: 'k2', labels: { zone: 'core' }, applier: 'nginx' });
    await fs.ready();
  });
  after(async () => assert.deepEqual(await fs?.stop(), []));

  test('watch streams cut, abruptly and cleanly, every 1.5 s', async (t) => {
    const reopened: number[] = [];
    const r = await fs.scenario(
      async () => {
        for (let i = 0; i < 6; i++) {
          const cutAt = Date.now();
          const before = fs.kube.stats().requests;
          fs.kube.cutWatches({ graceful: i % 2 === 1 });
          await waitFor(
            () => fs.kube.stats().openWatches > 0 && fs.kube.stats().requests > before,
            {
              timeoutMs: 10_000,
              what: `the watch to reopen after cut ${i + 1}`,
            },
          );
          reopened.push(Date.now() - cutAt);
          await new Promise((resolve) => setTimeout(resolve, 1_500)); // the cadence of the fault
        }
      },
      { traffic: { prefix: 'cut', selector: { zone: 'edge' } } },
    );
    t.diagnostic(
      `watch cut: reopened after ${reopened.join(', ')} ms; recovered in ${r.recoveryMs} ms`,
    );
    assert.ok(Math.max(...reopened) < 5_000, 'no cut leaves the controller blind for long');
  });

  test('a forced 410 Gone on watch resume: the informer relists and misses nothing', async (t) => {
    const r = await fs.scenario(
      async () => {
        for (let i = 0; i < 3; i++) {
          fs.kube.compact();
          const before = fs.kube.stats().requests;
          fs.kube.cutWatches({ graceful: true }); // the client resumes from its version: 410
          await waitFor(
            () => fs.kube.stats().openWatches > 0 && fs.kube.stats().requests > before,
            {
              timeoutMs: 10_000,
              what: 'the watch to reopen after the relist',
            },
          );
          await new Promise((resolve) => setTimeout(resolve, 1_500)); // the cadence of the fault
        }
      },
      { traffic: { prefix: 'gone' } },
    );
    t.diagnostic(`410 relist: recovered in ${r.recoveryMs} ms`);
  });

  test('status patches answered 500: retried until they land', async (t) => {
    const r = await fs.scenario(
      async () => {
        const served = fs.kube.stats().faultsServed;
        fs.kube.injectFault({ method: 'PATCH', pathPattern: STATUS_PATCH, status: 500, count: 25 });
        await waitFor(() => fs.kube.stats().faultsServed >= served + 25, {
          timeoutMs: 20_000,
          what: 'the 25 injected 500s to be served',
        });
      },
      { traffic: { prefix: 'err' } },
    );
    t.diagnostic(`status 500: recovered in ${r.recoveryMs} ms`);
  });

  test('status patches answered 429 with Retry-After: retried, and converges', async (t) => {
    const r = await fs.scenario(
      async () => {
        const served = fs.kube.stats().faultsServed;
        fs.kube.injectFault({
          method: 'PATCH',
          pathPattern: STATUS_PATCH,
          status: 429,
          retryAfterSeconds: 1,
          count: 25,
        });
        await waitFor(() => fs.kube.stats().faultsServed >= served + 25, {
          timeoutMs: 30_000,
          what: 'the 25 injected 429s to be served',
        });
      },
      { traffic: { prefix: 'busy' } },
    );
    t.diagnostic(`status 429: recovered in ${r.recoveryMs} ms`);
  });
});
