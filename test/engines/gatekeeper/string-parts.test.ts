/**
 * An index into the parts of a split string is a string operation (issue 9 item 10): Rego
 * `split(c.image, ":")[n]` checks the image, it is no computed key into the container.
 */
import { runCase, type Case } from '../cel/fixtures';

const rego = (body: string): string => `package tags

violation[{"msg": msg}] {
  c := input.review.object.spec.containers[_]
${body}
  msg := sprintf("bad tag in %v", [c.name])
}
`;

const cases: Case[] = [
  {
    name: 'the last part of split(c.image, ":") is the tag: an image check, not unanalyzable',
    files: { 'tags.rego': rego('  parts := split(c.image, ":")\n  parts[count(parts) - 1] == "latest"') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'input.review.object.spec.containers', says: 'checks image in containers' }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'regex.split parts indexed by a computed number are an image check too',
    files: { 'tags.rego': rego('  parts := regex.split("[:@]", c.image)\n  n := count(parts) - 1\n  parts[n] == "latest"') },
    fires: [{ ruleId: 'ephemeral-containers-unchecked', at: 'input.review.object.spec.containers', says: 'checks image in containers' }],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'a computed key into the container itself stays unanalyzable',
    files: { 'tags.rego': rego('  k := input.review.object.metadata.annotations.field\n  f := c[k]\n  endswith(f, ":latest")') },
    fires: [{ ruleId: 'policy-unanalyzable', at: 'k]' }],
  },
];

describe('string parts in Rego', () => {
  it.each(cases)('$name', (c) => runCase(c));
});
