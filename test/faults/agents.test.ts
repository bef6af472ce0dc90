// Faults of agents: SIGKILLed in the middle of an apply, crash-looping, answering after the RPC
// timeout (an nginx whose `-t` outlives RPC_TIMEOUT_MS), and cut off from the broker by a TCP
// proxy the test pauses. Traffic flows throughout; each scenario ends on the shared invariant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '../../src/devservices/index.ts';
import { testEnv } from '../support/env.ts';
import { heldBy, listIngresses } from '../support/faults-invariant.ts';
import { simpleSpec } from '../support/kube.ts';
import { TcpProxy } from '../support/faults-proxy.ts';
import { FaultSystem } from '../support/faults-system.ts';

let fs: FaultSystem;
let proxy: TcpProxy;
let slowFlag: string;
let wrapper: string;
const nginxAgent = () => ({
  name: 'n1',
  applier: 'nginx' as const,
  labels: { zone: 'edge' },
  env: { NGINX_BIN: wrapper },
});

/** Lines of an agent's log whose message is `msg`, logged at or after `since`. */
async function logged(agent: string, msg: string, since: number): Promise<number> {
  const log = await readFile(path.join(fs.dir, 'logs', `agent-${agent}.log`), 'utf8');
  return log
    .split('\n')
    .filter(
      (l) => l.includes(`"msg":"${msg}"`) && (JSON.parse(l) as { time: number }).time >= since,
    ).length;
}

describe('faults: agents', () => {
  before(async () => {
    fs = await FaultSystem.start();
    slowFlag = path.join(fs.dir, 'nginx-slow');
    wrapper = path.join(fs.dir, 'nginx-slow.sh');
    // `nginx -t` sleeps for as many seconds as the flag file says, while it exists.
    await writeFile(
      wrapper,
      `#!/bin/sh\nfor a in "$@"; do if [ "$a" = "-t" ] && [ -f ${slowFlag} ]; then\n` +
        `sleep "$(cat ${slowFlag})"; fi; done\nexec nginx "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    proxy = await TcpProxy.start(testEnv().amqpPort);
    await fs.startController();
    await fs.startAgent({ name: 'a1', labels: { zone: 'edge' } });
    await fs.startAgent({ name: 'a2', labels: { zone: 'core' } });
    await fs.startAgent(nginxAgent());
    await fs.startAgent({
      name: 'p1',
      labels: { zone: 'core' },
      env: { AMQP_URL: proxy.url(testEnv().amqpUrl) },
    });
    await fs.ready();
  });
  after(async () => {
    await proxy?.close();
    assert.deepEqual(await fs?.stop(), []);
  });

  test('an nginx agent SIGKILLed in the middle of an apply, then restarted', async (t) => {
    const r = await fs.scenario(
      async () => {
        await writeFile(slowFlag, '0.6');
        const since = Date.now();
        // Killed while `nginx -t` runs for a push: the apply is half done.
        await waitFor(async () => (await logged('n1', 'config applied', since)) >= 1, {
          timeoutMs: 15_000,
          what: 'n1 to apply under traffic',
        });
        await new Promise((resolve) => setTimeout(resolve, 300)); // into the next apply's -t
        await fs.kill(fs.agent('n1').proc);
        await rm(slowFlag);
        await fs.startAgent(nginxAgent());
      },
      { traffic: { prefix: 'kill' }, timeoutMs: 40_000 },
    );
    t.diagnostic(`agent SIGKILL mid-apply: recovered in ${r.recoveryMs} ms after its restart`);
  });

  test('an agent crash-looping: killed and restarted five times', async (t) => {
    const r = await fs.scenario(
      async () => {
        for (let i = 0; i < 5; i++) {
          const since = Date.now();
          await fs.kill(fs.agent('a2').proc);
          await fs.startAgent({ name: 'a2', labels: { zone: 'core' } });
          // Each life lasts until it has pulled its configs: then it dies again.
          await waitFor(async () => (await logged('a2', 'configs pulled', since)) >= 1, {
            timeoutMs: 15_000,
            what: `a2's life ${i + 1} to pull its configs`,
          });
        }
      },
      { traffic: { prefix: 'loop' }, timeoutMs: 40_000 },
    );
    t.diagnostic(`agent crash loop: recovered in ${r.recoveryMs} ms after the last restart`);
  });

  test('an agent that answers after the RPC timeout: late replies do not corrupt status', async (t) => {
    let timeouts = 0;
    const r = await fs.scenario(
      async () => {
        await writeFile(slowFlag, '2.6'); // RPC_TIMEOUT_MS is 2000
        await waitFor(
          async () => {
            for (const obj of await listIngresses(fs.kc))
              for (const a of obj.status?.agents ?? [])
                if (a.name === 'n1' && /TIMEOUT/.test(a.message ?? '')) timeouts++;
            return timeouts >= 2;
          },
          { timeoutMs: 20_000, intervalMs: 200, what: 'n1 to time out in status' },
        );
        await rm(slowFlag);
      },
      { traffic: { prefix: 'late' }, timeoutMs: 40_000 },
    );
    t.diagnostic(`late replies: recovered in ${r.recoveryMs} ms after nginx -t was fast again`);
  });

  test('one agent cut off from the broker (TCP proxy paused 6 s), then back', async (t) => {
    await fs.wic.create('doomed', simpleSpec('doomed.example.com'));
    await fs.wic.waitForStatus('doomed', '4/4', 'AllAgentsSynced');
    const r = await fs.scenario(
      async () => {
        proxy.pause();
        const partition = new Promise((resolve) => setTimeout(resolve, 6_000)); // the fault itself
        await waitFor(async () => (await fs.metric('wise2c_live_agents')) === 3, {
          timeoutMs: 6_000,
          what: 'p1 to drop out of the roster while cut off',
        });
        // Deleted while p1 cannot hear it: the finalizer goes without p1's acknowledgement.
        await fs.wic.delete('doomed');
        await waitFor(async () => (await fs.wic.get('doomed')) === undefined, {
          timeoutMs: 6_000,
          what: 'doomed to be gone',
        });
        assert.equal((await heldBy(fs.agent('p1'))).has('default/doomed'), true);
        await partition;
        proxy.resume();
      },
      { traffic: { prefix: 'cut' }, timeoutMs: 40_000 },
    );
    t.diagnostic(`agent partitioned 6 s: recovered in ${r.recoveryMs} ms after it healed`);
  });
});
