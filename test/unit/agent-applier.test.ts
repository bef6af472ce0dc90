// The applier engine over the file applier: generations, conflicts, hardening, reconcile, restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ApplyError,
  StateApplier,
  StateStore,
  createFileApplier,
  type Sink,
} from '../../src/agent/index.ts';
import { INJECTIONS, injected, makeConfig } from '../support/agent-configs.ts';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'w2i-applier-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isCode = (code: string) => (error: unknown) =>
  error instanceof ApplyError && error.code === code;

test('apply writes one JSON file per config with its generation; a restart loads it', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    assert.deepEqual(await applier.apply(makeConfig({ generation: 3 })), {
      generation: 3,
      changed: true,
    });
    assert.deepEqual(await readdir(dir), ['default_web.json']);
    const saved = JSON.parse(await readFile(path.join(dir, 'default_web.json'), 'utf8')) as {
      generation: number;
    };
    assert.equal(saved.generation, 3);
    await applier.stop();
    const again = createFileApplier(dir);
    assert.equal((await again.start()).loaded, 1);
    assert.deepEqual(again.list(), [makeConfig({ generation: 3 })]);
  }));

test('the same generation twice changes nothing; an older one is answered with the generation held', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    await applier.apply(makeConfig({ generation: 5, path: '/new' }));
    assert.deepEqual(await applier.apply(makeConfig({ generation: 5, path: '/new' })), {
      generation: 5,
      changed: false,
    });
    assert.deepEqual(await applier.apply(makeConfig({ generation: 4, path: '/old' })), {
      generation: 5,
      changed: false,
    });
    assert.equal(applier.list()[0]?.spec.rules[0]?.http.paths[0]?.path, '/new');
    // A new uid under the same name is a re-created resource: generation 1 replaces it.
    assert.deepEqual(await applier.apply(makeConfig({ uid: 'uid-2', generation: 1 })), {
      generation: 1,
      changed: true,
    });
  }));

test('a second resource claiming the same host and path is refused, naming the holder', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    await applier.apply(makeConfig({ name: 'first', path: '/api' }));
    await assert.rejects(
      applier.apply(makeConfig({ name: 'second', uid: 'u2', path: '/api', pathType: 'Exact' })),
      (error: unknown) =>
        isCode('CONFLICT')(error) && /default\/first/.test((error as Error).message),
    );
    await applier.apply(makeConfig({ name: 'second', uid: 'u2', path: '/other' }));
    assert.deepEqual((await readdir(dir)).sort(), ['default_first.json', 'default_second.json']);
  }));

test('every injection pattern is refused as INVALID and nothing is written', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    for (const field of ['host', 'path', 'upstream'] as const) {
      for (const value of INJECTIONS) {
        await assert.rejects(
          applier.apply(injected(field, value)),
          isCode('INVALID'),
          `${field} ${JSON.stringify(value)}`,
        );
      }
    }
    assert.deepEqual(await readdir(dir), []);
  }));

test('remove deletes only the uid it names', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    await applier.apply(makeConfig({ uid: 'new' }));
    assert.deepEqual(await applier.remove({ uid: 'old', namespace: 'default', name: 'web' }), {
      removed: false,
    });
    assert.deepEqual(await applier.remove({ uid: 'new', namespace: 'default', name: 'web' }), {
      removed: true,
    });
    assert.deepEqual(await readdir(dir), []);
  }));

test('reconcile makes the held set exactly the wanted set and reports refusals', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    await applier.apply(makeConfig({ name: 'stale', uid: 's', path: '/stale' }));
    await applier.apply(makeConfig({ name: 'keep', uid: 'k', generation: 7, path: '/keep' }));
    const result = await applier.reconcile([
      makeConfig({ name: 'keep', uid: 'k', generation: 6, path: '/keep' }),
      makeConfig({ name: 'fresh', uid: 'f', path: '/fresh' }),
      makeConfig({ name: 'clash', uid: 'c', path: '/fresh' }),
    ]);
    assert.deepEqual(result.applied, 1);
    assert.deepEqual(result.removed, 1);
    assert.deepEqual(
      result.failed.map((f) => [f.key, f.code]),
      [['default/clash', 'CONFLICT']],
    );
    assert.deepEqual((await readdir(dir)).sort(), ['default_fresh.json', 'default_keep.json']);
    assert.equal(applier.list().find((c) => c.name === 'keep')?.generation, 7);
  }));

test('a corrupt state file is set aside at start, not loaded', () =>
  withDir(async (dir) => {
    await writeFile(path.join(dir, 'default_web.json'), '{"uid": "x; evil"}');
    const applier = createFileApplier(dir);
    const { loaded, warnings } = await applier.start();
    assert.equal(loaded, 0);
    assert.equal(warnings.length, 1);
    assert.deepEqual(await readdir(dir), ['default_web.json.bad']);
  }));

test('applies are serialised: the sink never commits two at once', () =>
  withDir(async (dir) => {
    let running = 0;
    let most = 0;
    const sink: Sink = {
      start: async () => {},
      stop: async () => {},
      commit: async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((r) => setImmediate(r));
        running -= 1;
      },
    };
    const applier = new StateApplier(new StateStore(dir), sink);
    await applier.start();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 5 === 4
          ? applier.remove({ uid: `u${i - 1}`, namespace: 'default', name: `c${i - 1}` })
          : applier.apply(makeConfig({ name: `c${i}`, uid: `u${i}`, path: `/p${i}` })),
      ),
    );
    assert.equal(most, 1);
    assert.equal(results.length, 20);
    assert.equal((await readdir(dir)).length, 12);
  }));

test('a stale Set arriving after a removal does not bring an older generation back', () =>
  withDir(async (dir) => {
    const applier = createFileApplier(dir);
    await applier.start();
    await applier.apply(makeConfig({ uid: 'u1', generation: 2 }));
    await applier.reconcile([]); // the resource is being deleted: the pull no longer lists it
    assert.deepEqual(await applier.apply(makeConfig({ uid: 'u1', generation: 1 })), {
      generation: 2,
      changed: false,
    });
    assert.deepEqual(await readdir(dir), []);
    // The same generation again (the agent targeted once more) is applied.
    assert.equal((await applier.apply(makeConfig({ uid: 'u1', generation: 2 }))).changed, true);
    await applier.remove({ uid: 'u1', namespace: 'default', name: 'web' });
    assert.equal((await applier.apply(makeConfig({ uid: 'u1', generation: 1 }))).changed, false);
    assert.equal((await applier.apply(makeConfig({ uid: 'u2', generation: 1 }))).changed, true);
  }));
