// Faults of Redis, the heartbeat registry (a dedicated server, so it can be killed): restarted
// (its data gone), and down for 10 s. Agents must not all be declared dead and then re-pushed in
// a storm: resources keep every agent in status throughout, and the pushes that change nothing
// on an agent (re-pushes) stay bounded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { waitFor } from '../../src/devservices/index.ts';
import { FaultSystem } from '../support/faults-system.ts';
import { simpleSpec } from '../support/kube.ts';

let fs: FaultSystem;
const AGENTS = ['r1', 'r2', 'r3'];
const STATIC = 20;
/** Re-pushes a fault may cause at most: a handful, where a storm is STATIC × agents. */
const REPUSH_BOUND = 6;

/** Applies that changed nothing (a push of what the agent already held), per agent log, since `t`. */
async function repushesSince(t: number): Promise<number> {
  let n = 0;
  for (const name of AGENTS) {
    const log = await readFile(path.join(fs.dir, 'logs', `agent-${name}.log`), 'utf8');
    for (const line of log.split('\n')) {
      if (!line.includes('"config applied"') || !line.includes('"changed":false')) continue;
      if ((JSON.parse(line) as { time: number }).time >= t) n++;
    }
  }
  return n;
}

/** Samples the static resources' status while a fault runs: the fewest agents any of them targeted. */
function watchTargeted(): { stop(): Promise<number> } {
  let min = Infinity;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      for (let i = 0; i < STATIC; i += 5) {
        const obj = await fs.wic.get(`static-${i}`).catch(() => undefined);
        const targeted = obj?.status?.summary?.targeted;
        if (targeted !== undefined) min = Math.min(min, targeted);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return min;
    },
  };
}

describe('faults: Redis', () => {
  before(async () => {
    fs = await FaultSystem.start({ dedicatedRedis: true });
    await fs.startController();
    for (const name of AGENTS) await fs.startAgent({ name, labels: { zone: 'edge' } });
    await fs.ready();
    for (let i = 0; i < STATIC; i++)
      await fs.wic.create(`static-${i}`, simpleSpec(`static-${i}.example.com`));
    await fs.converged();
  });
  after(async () => assert.deepEqual(await fs?.stop(), []));

  test('Redis restarted ten times, its data gone: no agent declared dead, no push storm', async (t) => {
    const redis = fs.system.redis!;
    const since = Date.now();
    const targeted = watchTargeted();
    const r = await fs.scenario(
      async () => {
        // Ten restarts at shifting offsets from the roster's reads and the agents' beats, so
        // some land just before a read, when a few agents have not beaten again yet.
        for (let i = 0; i < 10; i++) {
          await redis.kill();
          await redis.start();
          await new Promise((resolve) => setTimeout(resolve, 700 + i * 70)); // the fault's cadence
        }
      },
      { traffic: { prefix: 'rr' }, stableMs: 4_000 },
    );
    const min = await targeted.stop();
    const repushes = await repushesSince(since);
    t.diagnostic(
      `Redis restart: recovered in ${r.recoveryMs} ms, ${repushes} re-pushes, fewest agents targeted ${min}`,
    );
    assert.equal(min, AGENTS.length, 'every agent stayed targeted');
    assert.ok(repushes <= REPUSH_BOUND, `${repushes} re-pushes (bound ${REPUSH_BOUND})`);
  });

  test('Redis down for 10 s: no agent declared dead, no push storm', async (t) => {
    const redis = fs.system.redis!;
    const since = Date.now();
    const targeted = watchTargeted();
    const r = await fs.scenario(
      async () => {
        await redis.kill();
        await new Promise((resolve) => setTimeout(resolve, 10_000)); // the outage itself
        await redis.start();
      },
      { traffic: { prefix: 'rd' }, stableMs: 4_000 },
    );
    const min = await targeted.stop();
    const repushes = await repushesSince(since);
    t.diagnostic(
      `Redis down 10 s: recovered in ${r.recoveryMs} ms after it came back, ${repushes} re-pushes, fewest agents targeted ${min}`,
    );
    assert.equal(min, AGENTS.length, 'every agent stayed targeted');
    assert.ok(repushes <= REPUSH_BOUND, `${repushes} re-pushes (bound ${REPUSH_BOUND})`);
    // The agents are live again in the registry itself, not only in the controller's memory.
    await waitFor(async () => (await fs.metric('wise2c_live_agents')) === AGENTS.length, {
      timeoutMs: 10_000,
      what: 'three live agents',
    });
  });
});
