/** Fixtures and a CLI runner shared by the CI-integration tests (reports, config, baselines, suppressions, diff). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../src/cli';
import { tempDir, yaml } from './helpers';

type List = 'containers' | 'initContainers' | 'ephemeralContainers';

/** A Kyverno ClusterPolicy that forbids privileged containers in the given lists only. */
export function privilegedPolicy(name: string, lists: List[]): string {
  const entry = (l: List): string[] => [`        ${l === 'containers' ? l : `=(${l})`}:`, '          - =(securityContext):', '              =(privileged): "false"'];
  return [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  validationFailureAction: Enforce',
    '  rules:',
    '    - name: privileged-containers',
    '      match:',
    '        any:',
    '          - resources:',
    '              kinds: [Pod]',
    '      validate:',
    '        message: Privileged mode is not allowed.',
    '        pattern:',
    '          spec:',
    ...lists.flatMap((l) => entry(l).map((line) => `    ${line}`)),
    '',
  ].join('\n');
}

/** Blocks hostProcess at the pod level and in every list: keeps the set-level HostProcess rules quiet. */
export const HOST_PROCESS = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: disallow-host-process
  spec:
    validationFailureAction: Enforce
    rules:
      - name: host-process
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          message: HostProcess containers are not allowed.
          pattern:
            spec:
              =(securityContext):
                =(windowsOptions):
                  =(hostProcess): "false"
              =(ephemeralContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              =(initContainers):
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
              containers:
                - =(securityContext):
                    =(windowsOptions):
                      =(hostProcess): "false"
`;

export const ALL_LISTS: List[] = ['containers', 'initContainers', 'ephemeralContainers'];
export const NO_EPHEMERAL: List[] = ['containers', 'initContainers'];

class Capture extends Writable {
  text = '';
  constructor(public isTTY = false) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface Run {
  code: number;
  out: string;
  err: string;
}

export function runCli(args: string[], opts: { stdin?: string; stdoutTTY?: boolean; stderrTTY?: boolean } = {}): Run {
  const stdout = new Capture(opts.stdoutTTY);
  const stderr = new Capture(opts.stderrTTY);
  let stdin: string | number = 0;
  if (opts.stdin !== undefined) {
    stdin = path.join(tempDir({}), 'stdin');
    fs.writeFileSync(stdin, opts.stdin);
  }
  const code = main(args, { stdout, stderr, stdin });
  return { code, out: stdout.text, err: stderr.text };
}
