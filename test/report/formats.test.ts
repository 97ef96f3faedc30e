/** Every format reports the same findings; SARIF follows the 2.1.0 schema; escaping per format. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type * as Sarif from 'sarif';
import { escapeData, escapeProperty } from '../../src/report/github';
import { escapeXml } from '../../src/report/junit';
import { escapeHtml } from '../../src/report/html';
import { cell } from '../../src/report/markdown';
import { RULES } from '../../src/rules';
import { HOMEPAGE } from '../../src/version';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli } from '../ci-fixtures';
import { tempDir } from '../helpers';

type Key = string;
const unescapeHtml = (s: string): string => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]!);
const key = (ruleId: string, file: string, line: number, column: number): Key => `${ruleId} ${file}:${line}:${column}`;

/** Each format's findings as a sorted list of "ruleId file:line:column". */
const parsers: Record<string, (out: string) => Key[]> = {
  json: (out) => JSON.parse(out).findings.map((f: { ruleId: string; file: string; line: number; column: number }) => key(f.ruleId, f.file, f.line, f.column)),
  text: (out) => [...out.matchAll(/^(\S+):(\d+):(\d+) {2}(?:error|warning|note) +([a-z-]+) {2}/gm)].map((m) => key(m[4]!, m[1]!, +m[2]!, +m[3]!)),
  sarif: (out) =>
    (JSON.parse(out) as Sarif.Log).runs[0]!.results!.filter((r) => !r.suppressions?.length).map((r) => {
      const loc = r.locations![0]!.physicalLocation!;
      return key(r.ruleId!, decodeURIComponent(loc.artifactLocation!.uri!), loc.region!.startLine!, loc.region!.startColumn!);
    }),
  // Each finding, failed or not (--fail-on never), heads its entry as "file:line:column: severity rule-id".
  junit: (out) => [...out.matchAll(/^(?:\s*<(?:failure|system-out)[^>]*>)?([^\n<>]+):(\d+):(\d+): (?:error|warning|note) ([a-z-]+)$/gm)].map((m) => key(m[4]!, m[1]!, +m[2]!, +m[3]!)),
  markdown: (out) => [...out.matchAll(/^\| (?:error|warning|note) \| `([a-z-]+)` \| (.+?):(\d+):(\d+) \|/gm)].map((m) => key(m[1]!, m[2]!.replace(/\\(.)/g, '$1'), +m[3]!, +m[4]!)),
  html: (out) =>
    [...out.matchAll(/<tr><td><span class="(?:error|warning|note)">[a-z]+<\/span><\/td><td><a href="[^"]*"><code>([a-z-]+)<\/code><\/a><\/td><td><code>(.+?):(\d+):(\d+)<\/code><\/td>/g)].map((m) =>
      key(m[1]!, unescapeHtml(m[2]!), +m[3]!, +m[4]!),
    ),
  github: (out) =>
    [...out.matchAll(/^::(?:error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=([a-z-]+)::/gm)].map((m) => key(m[4]!, decodeURIComponent(m[1]!), +m[2]!, +m[3]!)),
};

describe('the report formats', () => {
  const outputs = Object.fromEntries(Object.keys(parsers).map((f) => [f, runCli(['scan', 'samples/', '--format', f, '--fail-on', 'never']).out]));

  it('report exactly the same (ruleId, file, line, column) set on samples/', () => {
    const expected = parsers.json!(outputs.json!).sort();
    expect(expected.length).toBeGreaterThan(5);
    for (const [format, parse] of Object.entries(parsers)) {
      expect({ format, findings: parse(outputs[format]!).sort() }).toEqual({ format, findings: expected });
    }
  });

  it('writes SARIF 2.1.0 that the official JSON schema accepts with zero errors', () => {
    // The OASIS schema as Microsoft's SARIF jest matchers ship it (draft-04), read from node_modules.
    const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
    const ajv = new AjvDraft04({ strict: false, allErrors: true, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate({ version: '3', runs: 5 })).toBe(false); // the validator does reject bad logs
    const log = JSON.parse(outputs.sarif!);
    validate(log);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('describes every rule and points results at them, relative to %SRCROOT%', () => {
    const log = JSON.parse(outputs.sarif!) as Sarif.Log;
    const run = log.runs[0]!;
    expect(log.$schema).toMatch(/sarif-2\.1\.0/);
    expect(log.version).toBe('2.1.0');
    const driver = run.tool.driver;
    expect(driver).toMatchObject({ name: 'polcov', version: expect.stringMatching(/^\d+\.\d+\.\d+/), informationUri: HOMEPAGE });
    expect(driver.rules!.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, rule] of driver.rules!.entries()) {
      expect(rule).toMatchObject({
        shortDescription: { text: RULES[i]!.meta.summary },
        fullDescription: { text: expect.any(String) },
        helpUri: `${HOMEPAGE}/blob/main/docs/rules/${RULES[i]!.meta.id}.md`,
        defaultConfiguration: { level: RULES[i]!.meta.severity },
      });
    }
    expect(run.originalUriBaseIds!['%SRCROOT%']!.uri).toMatch(/^file:\/\/.*\/$/);
    for (const r of run.results!) {
      expect(driver.rules![r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: expect.stringMatching(/^samples\//), uriBaseId: '%SRCROOT%' });
      expect(r.message.text).toContain('(fix: ');
    }
    const fingerprints = run.results!.map((r) => r.partialFingerprints!['polcovFinding/v2']);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('keeps SARIF fingerprints when lines above a finding move, and names stdin "stdin"', () => {
    const policy = privilegedPolicy('gap', NO_EPHEMERAL);
    const dir = tempDir({ 'hp.yaml': HOST_PROCESS });
    const sarifOf = (text: string): Sarif.Result => {
      fs.writeFileSync(path.join(dir, 'gap.yaml'), text);
      return (JSON.parse(runCli(['scan', dir, '-f', 'sarif']).out) as Sarif.Log).runs[0]!.results![0]!;
    };
    const before = sarifOf(policy);
    const after = sarifOf(`# a comment\n\n\n${policy}`);
    expect(after.locations![0]!.physicalLocation!.region!.startLine).toBe(before.locations![0]!.physicalLocation!.region!.startLine! + 3);
    expect(after.partialFingerprints).toEqual(before.partialFingerprints);
    const stdin = JSON.parse(runCli(['scan', '-', '-f', 'sarif'], { stdin: policy }).out) as Sarif.Log;
    expect(stdin.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation).toEqual({ uri: 'stdin' });
  });

  it('writes deterministic output in every format', () => {
    for (const format of Object.keys(parsers)) {
      expect(runCli(['scan', 'samples/', '--format', format, '--fail-on', 'never']).out).toBe(outputs[format]);
    }
  });
});

describe('escaping', () => {
  it('escapes GitHub workflow command data and properties', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('escapes XML text and attributes and drops characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">Tom & 'Jerry'</a>\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;\uFFFD');
  });

  it('escapes HTML text and attribute values', () => {
    expect(escapeHtml(`<img src="x" onerror='y'> & more`)).toBe('&lt;img src=&quot;x&quot; onerror=&#39;y&#39;&gt; &amp; more');
  });

  it('writes a policy name crafted as markup as text in the HTML report', () => {
    const dir = tempDir({ 'p.yaml': privilegedPolicy('<script>alert(1)</script>', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
    const out = runCli(['scan', dir, '-f', 'html']).out;
    expect(out.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out).not.toContain('<script>');
    expect(out).toContain('ClusterPolicy &lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('escapes Markdown table cells outside code spans', () => {
    expect(cell('a|b <stdin> *x* `c|d` [e]\nf')).toBe('a\\|b &lt;stdin&gt; \\*x\\* `c\\|d` \\[e\\]<br>f');
  });

  it('annotates a finding for GitHub with escaped properties and message', () => {
    const dir = tempDir({ 'a,b:c.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
    const out = runCli(['scan', dir, '-f', 'github']).out;
    const file = escapeProperty(path.join(dir, 'a,b:c.yaml'));
    expect(out).toContain(`::error file=${file},line=17,col=13,title=ephemeral-containers-unchecked::ClusterPolicy gap rule "privileged-containers" checks privileged`);
    expect(out.trim().split('\n').pop()).toBe('polcov: 1 finding (1 error, 0 warnings, 0 notes) in 2 policies from 2 files.');
  });
});

describe('Markdown', () => {
  it('has the summary, a findings table and the coverage matrix', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
    const out = runCli(['scan', dir, '-f', 'markdown']).out;
    expect(out).toContain('1 finding (1 error, 0 warnings, 0 notes) in 2 policies from 2 files.');
    expect(out).toContain(`| error | \`ephemeral-containers-unchecked\` | ${path.join(dir, 'gap.yaml')}:17:13 | ClusterPolicy gap, rule "privileged-containers" |`);
    expect(out).toContain('| control | pod | containers | initContainers | ephemeralContainers |');
    expect(out).toMatch(/^\| privileged \| {2}\| 1 \| 1 \| \*\*0\*\* \|$/m);
    expect(out).toMatch(/^\| windowsHostProcess \| 1 \| 1 \| 1 \| 1 \|$/m);
  });

  it('leaves the coverage matrix out when nothing is covered', () => {
    const dir = tempDir({ 'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n' });
    const out = runCli(['scan', dir, '-f', 'markdown']).out;
    expect(out).toBe(
      "### polcov\n\nNo findings (0 errors, 0 warnings, 0 notes) in 0 policies from 1 file.\n\nTarget: Kubernetes 1.34, the newest polcov knows (name your cluster's with --kubernetes-version).\n",
    );
  });
});
