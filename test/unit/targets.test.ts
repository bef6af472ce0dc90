import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { selectorMatches, targetedAgents } from '../../src/reconciler/targets.ts';

const labels = { zone: 'edge', tier: 'gold' };

describe('selectorMatches', () => {
  const cases: [string, Parameters<typeof selectorMatches>[0], boolean][] = [
    ['absent selector', undefined, true],
    ['empty selector', {}, true],
    ['matchLabels hit', { matchLabels: { zone: 'edge' } }, true],
    ['matchLabels miss', { matchLabels: { zone: 'core' } }, false],
    ['matchLabels on a missing key', { matchLabels: { rack: '1' } }, false],
    [
      'In hit',
      { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] },
      true,
    ],
    ['In miss', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['silver'] }] }, false],
    [
      'In on a missing key',
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['1'] }] },
      false,
    ],
    [
      'NotIn hit',
      { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] },
      false,
    ],
    [
      'NotIn on a missing key',
      { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['1'] }] },
      true,
    ],
    ['Exists', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, true],
    ['Exists on a missing key', { matchExpressions: [{ key: 'rack', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, false],
    [
      'labels AND expressions',
      {
        matchLabels: { zone: 'edge' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }],
      },
      false,
    ],
  ];
  for (const [name, selector, expected] of cases) {
    test(name, () => assert.equal(selectorMatches(selector, labels), expected));
  }
});

test('targetedAgents returns the matching names sorted', () => {
  const agents = [
    { name: 'c', labels: { zone: 'edge' } },
    { name: 'a', labels: { zone: 'edge' } },
    { name: 'b', labels: { zone: 'core' } },
  ];
  assert.deepEqual(targetedAgents({ matchLabels: { zone: 'edge' } }, agents), ['a', 'c']);
  assert.deepEqual(targetedAgents(undefined, agents), ['a', 'b', 'c']);
});
