/**
 * Kyverno image checks through image data (issue 9 item 5) and the JMESPath forms Kyverno
 * substitutes before parsing (item 10): `imageRegistry.reference: "{{ element.image }}"` in a
 * foreach, and the built-in `images` variable, are image checks on the lists they name.
 */
import { checked, runCase, type Case } from '../cel/fixtures';
import { clusterPolicy, denyPolicy } from './fixtures';

const REGISTRY_FOREACH = (list: string): string => clusterPolicy(`
      validate:
        foreach:
          - list: "${list}"
            context:
              - name: imageData
                imageRegistry:
                  reference: "{{ element.image }}"
            deny:
              conditions:
                any:
                  - key: "{{ imageData.configData.config.User || '' }}"
                    operator: Equals
                    value: ""`);

const imagesDeny = (key: string): string => denyPolicy(`"${key}"`, 'AnyNotIn', '[ghcr.io]');

const cases: Case[] = [
  {
    name: 'imageRegistry context over containers only checks the image of containers only',
    files: { 'k.yaml': REGISTRY_FOREACH('request.object.spec.containers') },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: '"request.object.spec.containers"', says: 'checks image in containers' },
      { ruleId: 'init-containers-unchecked', at: '"request.object.spec.containers"' },
    ],
    silent: ['policy-unanalyzable'],
  },
  {
    name: 'imageRegistry context over all three lists is complete',
    files: { 'k.yaml': REGISTRY_FOREACH('request.object.spec.[ephemeralContainers, initContainers, containers][]') },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'images.containers.*.registry checks the image of containers only',
    files: { 'k.yaml': imagesDeny('{{ images.containers.*.registry }}') },
    fires: [
      { ruleId: 'ephemeral-containers-unchecked', at: 'key: "{{ images.containers', says: 'checks image in containers' },
      { ruleId: 'init-containers-unchecked', at: 'key: "{{ images.containers' },
    ],
  },
  {
    name: 'images over the three lists is complete',
    files: { 'k.yaml': imagesDeny('{{ images.[containers, initContainers, ephemeralContainers][].*.registry[] }}') },
    fires: [],
    silent: ['ephemeral-containers-unchecked', 'init-containers-unchecked'],
  },
  {
    name: 'images.initContainers alone leaves containers and ephemeral containers out',
    files: { 'k.yaml': imagesDeny('{{ images.initContainers.*.registry }}') },
    fires: [],
    // Checked in initContainers only: no list rule compares against containers, but nothing is covered either.
    silent: ['init-containers-unchecked', 'policy-unanalyzable'],
  },
  {
    name: 'a context variable with {{ }} inside a JMESPath backtick literal is substituted first',
    files: {
      'k.yaml': clusterPolicy(`
      context:
        - name: services
          apiCall:
            urlPath: "/api/v1/namespaces/{{request.namespace}}/services"
            jmesPath: "items"
        - name: matching
          variable:
            jmesPath: "services[?label_match(spec.selector, \`{{request.object.metadata.labels}}\`)] | length(@)"
      validate:
        deny:
          conditions:
            any:
              - key: "{{ matching }}"
                operator: GreaterThan
                value: 0`),
    },
    fires: [],
    silent: ['policy-unanalyzable'],
  },
];

describe('Kyverno image data and substituted variables', () => {
  it.each(cases)('$name', (c) => runCase(c));
});

describe('image data read as image checks (facts)', () => {
  it.each([
    ['imageRegistry over the three lists', REGISTRY_FOREACH('request.object.spec.[ephemeralContainers, initContainers, containers][]'), ['containers', 'initContainers', 'ephemeralContainers']],
    ['images over the three lists', imagesDeny('{{ images.[containers, initContainers, ephemeralContainers][].*.registry[] }}'), ['containers', 'initContainers', 'ephemeralContainers']],
    ['images.initContainers', imagesDeny('{{ images.initContainers.*.registry }}'), ['initContainers']],
    ['images.ephemeralContainers', imagesDeny('{{ images.ephemeralContainers.*.tag }}'), ['ephemeralContainers']],
  ])('%s', (_name, text, lists) => {
    expect(checked({ 'k.yaml': text })).toEqual(lists.map((l) => `image@${l}`).sort());
  });
});
