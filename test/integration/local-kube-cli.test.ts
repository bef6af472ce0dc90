// `wise2c-ingress local-kube` as a user runs it: prints its URL and kubeconfig, serves kubectl,
// stops cleanly on SIGTERM; a bad flag exits 2.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../../src/devservices/process.ts';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, '..', '..', 'src', 'cli.ts');

describe('wise2c-ingress local-kube', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'local-kube-cli-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('prints its URL and kubeconfig path, serves kubectl, and exits 0 on SIGTERM', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      [cli, 'local-kube', '--kubeconfig', kubeconfig, '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await waitFor(() => out.includes('kubeconfig:'), {
        timeoutMs: 15_000,
        what: 'local-kube prints its kubeconfig path',
      });
      assert.match(out, /^local-kube listening on https:\/\/127\.0\.0\.1:\d+$/m);
      assert.match(out, new RegExp(`^kubeconfig: ${kubeconfig}$`, 'm'));
      const { stdout } = await run('kubectl', [
        `--kubeconfig=${kubeconfig}`,
        `--cache-dir=${path.join(dir, 'cache')}`,
        'get',
        'namespaces',
        '-o',
        'name',
      ]);
      assert.deepEqual(stdout.trim().split('\n'), [
        'namespace/default',
        'namespace/kube-node-lease',
        'namespace/kube-public',
        'namespace/kube-system',
      ]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.ok(existsSync(kubeconfig), 'a kubeconfig the user asked for is left in place');
  });

  it('exits 2 with one line on a bad --port', async () => {
    const result = await run(process.execPath, [cli, 'local-kube', '--port', 'nope']).catch(
      (e: unknown) => e as { code: number; stderr: string },
    );
    assert.equal((result as { code: number }).code, 2);
    assert.match(
      (result as { stderr: string }).stderr,
      /--port = "nope": must be an integer 0\.\.65535/,
    );
  });
});
