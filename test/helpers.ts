/** Test helpers: write fixture files to a temp folder and audit them. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { audit, type AuditOptions, type AuditResult } from '../src/audit';
import type { Finding } from '../src/facts';

/** The last Kubernetes version that runs PodSecurityPolicies (the default target, the newest, does not). */
export const PSP_ERA: Partial<AuditOptions> = { kubernetesVersion: '1.24' };

const created: string[] = [];

/** A fresh folder in the temp folder holding `files`; removed after the test file (test/cleanup.ts). */
export function tempDir(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-test-'));
  created.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const p = path.join(dir, name);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Audits the given files; returns the result and the folder (file paths in findings are absolute). */
export function auditFiles(files: Record<string, string | Buffer>, options: Partial<AuditOptions> = {}): AuditResult & { dir: string } {
  const dir = tempDir(files);
  return { ...audit({ paths: [dir], ...options }), dir };
}

/** Strips the common left margin so fixtures can be indented in the test source. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const margin = Math.min(...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(margin)).join('\n');
}

export interface Expected {
  ruleId: string;
  line: number;
  column: number;
  file?: string;
}

/** Findings of one rule as {ruleId, file (basename), line, column}. */
export function located(findings: Finding[], ruleId?: string): Expected[] {
  return findings
    .filter((f) => !ruleId || f.ruleId === ruleId)
    .map((f) => ({ ruleId: f.ruleId, file: path.basename(f.file), line: f.line, column: f.column }));
}

/** An enforced Kyverno policy that checks `privileged` on `containers` only: one ephemeral gap at 16:13. */
export const PRIVILEGED_POLICY = yaml`
  apiVersion: kyverno.io/v1
  kind: ClusterPolicy
  metadata:
    name: no-privileged
  spec:
    validationFailureAction: Enforce
    rules:
      - name: r
        match:
          any:
            - resources:
                kinds: [Pod]
        validate:
          pattern:
            spec:
              containers:
                - =(securityContext):
                    =(privileged): "false"
`;
