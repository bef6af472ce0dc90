// `make demo` as a smoke test: the whole system on this machine, until every example is Ready
// and a request is routed through an agent's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI_PATH } from '../../src/demo/system.ts';

test('wise2c-ingress demo --once reaches the table and the routed request', async () => {
  const child = spawn(process.execPath, [CLI_PATH, 'demo', '--once'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /shop\s+shop\.example\.com\s+3\/3\s+True\s+AllAgentsSynced/);
  assert.match(output, /edge-status\s+status\.example\.com\s+2\/2\s+True\s+AllAgentsSynced/);
  assert.match(
    output,
    /→ 200\n\s+hello from upstream 127\.0\.0\.1:1808[12], you asked for shop\.example\.com\/api\/orders/,
  );
});
