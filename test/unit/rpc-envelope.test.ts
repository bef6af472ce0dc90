import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  checkResult,
  decodeReply,
  decodeRequest,
  encodeError,
  encodeResult,
  replyProperties,
  requestProperties,
} from '../../src/rpc/envelope.ts';
import { RpcError } from '../../src/rpc/errors.ts';
import { agentContract, controllerContract } from '../../src/rpc/index.ts';

const v1 = { 'x-rpc-version': 1 };
const msg = (body: string | Buffer, type: unknown = 'OnlineAgent', headers: object = v1) => ({
  content: Buffer.from(body),
  properties: { type, headers: headers as Record<string, unknown> },
});
const online = JSON.stringify({ name: 'edge-1', labels: { zone: 'a' }, version: '1.0.0' });

test('request properties are exactly those of DESIGN.md', () => {
  assert.deepEqual(requestProperties('OnlineAgent', 'c-1', 'amq.gen-x', 5000), {
    mandatory: true,
    type: 'OnlineAgent',
    correlationId: 'c-1',
    replyTo: 'amq.gen-x',
    expiration: '5000',
    contentType: 'application/json',
    headers: { 'x-rpc-version': 1 },
  });
  assert.equal(requestProperties('M', 'c', 'r', 0.2).expiration, '1', 'never 0 nor a fraction');
  assert.equal(replyProperties('c-1').correlationId, 'c-1');
});

test('a valid request decodes to its method and parsed body', () => {
  assert.deepEqual(decodeRequest(msg(online), controllerContract, 1024), {
    ok: true,
    method: 'OnlineAgent',
    request: { name: 'edge-1', labels: { zone: 'a' }, version: '1.0.0' },
  });
  const asString = decodeRequest(
    msg(online, 'OnlineAgent', { 'x-rpc-version': '1' }),
    controllerContract,
    1024,
  );
  assert.equal(asString.ok, true, 'a version sent as the string "1" is accepted');
});

test('each malformed request gets its own code and a message that says why', () => {
  const cases: [ReturnType<typeof msg>, string, RegExp][] = [
    [msg('x'.repeat(2000)), 'BAD_REQUEST', /2000 bytes, over the limit of 1024/],
    [msg(online, 'OnlineAgent', {}), 'BAD_REQUEST', /unsupported x-rpc-version null/],
    [msg(online, 'OnlineAgent', { 'x-rpc-version': 2 }), 'BAD_REQUEST', /x-rpc-version 2/],
    [msg(online, 'SetIngressConfig'), 'UNKNOWN_METHOD', /"SetIngressConfig"/],
    [msg(online, 'hasOwnProperty'), 'UNKNOWN_METHOD', /hasOwnProperty/],
    [msg(online, 42), 'UNKNOWN_METHOD', /""/],
    [msg('{nope'), 'BAD_REQUEST', /^request body is not JSON$/],
    [msg('{"name":"edge-1"}'), 'BAD_REQUEST', /^request\.labels: .*; request\.version: /],
    [msg('null'), 'BAD_REQUEST', /^request: /],
  ];
  for (const [input, code, message] of cases) {
    const decoded = decodeRequest(input, controllerContract, 1024);
    assert.equal(decoded.ok, false);
    if (decoded.ok) continue;
    assert.equal(decoded.code, code, decoded.message);
    assert.match(decoded.message, message);
  }
});

test('reply bodies round-trip', () => {
  assert.deepEqual(decodeReply(encodeResult({ generation: 3 })), {
    ok: true,
    result: { generation: 3 },
  });
  const failed = decodeReply(encodeError('REMOTE', 'disk full'));
  assert.ok(!failed.ok && failed.error instanceof RpcError);
  assert.equal(failed.error.code, 'REMOTE');
  assert.equal(failed.error.message, 'disk full');
  assert.deepEqual(JSON.parse(encodeError('TIMEOUT', 'm').toString()), {
    ok: false,
    error: { code: 'TIMEOUT', message: 'm' },
  });
});

test('a malformed or foreign reply becomes REMOTE, never a crash', () => {
  const cases: [string, RegExp][] = [
    ['not json', /not JSON/],
    ['{"ok":true}', /not \{ok, result\|error\}/],
    ['[]', /not \{ok, result\|error\}/],
    ['{"ok":false,"error":{"code":"EBUSY","message":"later"}}', /^EBUSY: later$/],
    ['{"ok":false,"error":{"code":"TIMEOUT"}}', /without a message/],
  ];
  for (const [body, message] of cases) {
    const reply = decodeReply(Buffer.from(body));
    assert.ok(!reply.ok, body);
    assert.equal(reply.error.code, body.includes('"TIMEOUT"') ? 'TIMEOUT' : 'REMOTE');
    assert.match(reply.error.message, message);
  }
});

test('checkResult names who broke the contract and where', () => {
  const schema = agentContract.SetIngressConfig.result;
  assert.deepEqual(checkResult(schema, { generation: 2 }, 'x'), {
    ok: true,
    result: { generation: 2 },
  });
  const bad = checkResult(schema, { generation: 0 }, 'ingress.agent.a SetIngressConfig');
  assert.ok(!bad.ok);
  assert.match(
    bad.message,
    /^invalid result from ingress\.agent\.a SetIngressConfig: result\.generation: /,
  );
  assert.equal(checkResult(z.strictObject({}), { extra: 1 }, 'y').ok, false);
});
