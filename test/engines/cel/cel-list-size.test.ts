/**
 * Counting containers reads none of them: a policy that only limits `size(object.spec.containers)`
 * cannot be broken by a debug container (it is not in that list), so the registration that never
 * sends pods/ephemeralcontainers is no gap. Reading a field of each container still is.
 */
import { runCase, vapExpr, type Case } from './fixtures';

const PODS_ONLY = { resources: '["pods"]' };

const cases: Case[] = [
  {
    name: 'size(object.spec.containers) only: no container a debug container could break',
    files: { 'p.yaml': vapExpr('size(object.spec.containers) <= 4', PODS_ONLY) },
    fires: [],
    silent: ['ephemeral-subresource-unmatched', 'ephemeral-containers-unchecked'],
  },
  {
    name: 'object.spec.containers.size() as a method: the same',
    files: { 'p.yaml': vapExpr('object.spec.containers.size() <= 4', PODS_ONLY) },
    fires: [],
    silent: ['ephemeral-subresource-unmatched'],
  },
  {
    name: 'a field of each container outside the catalogue (env): the subresource gap stays',
    files: { 'p.yaml': vapExpr('size(object.spec.containers) <= 4 && object.spec.containers.all(c, !has(c.env))', PODS_ONLY) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources: ["pods"]' }],
  },
  {
    name: 'the size of a container field list is a check of that field',
    files: { 'p.yaml': vapExpr('object.spec.containers.all(c, size(c.?securityContext.?capabilities.?add.orValue([])) == 0)', PODS_ONLY) },
    fires: [{ ruleId: 'ephemeral-subresource-unmatched', at: 'resources: ["pods"]' }, { ruleId: 'ephemeral-containers-unchecked', at: 'object.spec.containers' }],
  },
];

describe('CEL: counting a container list', () => {
  it.each(cases)('$name', (c) => runCase(c));
});
