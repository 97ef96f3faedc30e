/**
 * SARIF for code scanning: every report passes Microsoft's SARIF Multitool; each rule carries its
 * page as help, a helpUri and the security-severity GitHub ranks alerts by; fingerprints follow the
 * finding's identity, not its wording or the target version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Sarif from 'sarif';
import { docFile, RULES } from '../../src/rules';
import { HOMEPAGE } from '../../src/version';
import { HOST_PROCESS, NO_EPHEMERAL, privilegedPolicy, runCli, sarifMultitoolProblems } from '../ci-fixtures';
import { tempDir } from '../helpers';

const CORPUS = path.join(__dirname, '..', '..', '..', 'shared', 'corpus');
const sarifOf = (args: string[], stdin?: string): Sarif.Log => JSON.parse(runCli(['scan', ...args, '-f', 'sarif'], stdin === undefined ? {} : { stdin }).out) as Sarif.Log;

describe('SARIF', () => {
  it('passes the SARIF Multitool on samples/, suppressions, stdin and input errors', () => {
    // The validator does find problems: a log without a tool.
    expect(sarifMultitoolProblems('{"version":"2.1.0","runs":[{"results":[]}]}').some((p) => p.startsWith('error '))).toBe(true);
    const suppressed = tempDir({ 'gap.yaml': `# polcov-ignore ephemeral-containers-unchecked: debug is off here\n${privilegedPolicy('gap', NO_EPHEMERAL)}`, 'big.yaml': 'x'.repeat(300) });
    for (const args of [['samples/'], [suppressed, '--max-file-size', '200'], ['-']]) {
      const out = runCli(['scan', ...args, '-f', 'sarif'], { stdin: privilegedPolicy('gap', NO_EPHEMERAL) }).out;
      expect({ args, problems: sarifMultitoolProblems(out) }).toEqual({ args, problems: [] });
    }
  });

  it('describes each rule with its page, a helpUri and a security-severity on GitHub`s scale', () => {
    const rules = sarifOf(['samples/']).runs[0]!.tool.driver.rules!;
    const expected: Record<string, string> = { error: '8.0', warning: '5.0', note: '2.0' };
    for (const [i, rule] of rules.entries()) {
      const id = RULES[i]!.meta.id;
      expect(rule.helpUri).toBe(`${HOMEPAGE}/blob/main/docs/rules/${id}.md`);
      expect(rule.help!.markdown).toBe(fs.readFileSync(docFile(id), 'utf8'));
      expect(rule.properties).toEqual({ 'security-severity': expected[RULES[i]!.meta.severity], tags: ['security', 'kubernetes', 'admission-policy'] });
    }
  });

  it('keeps fingerprints when the message or severity changes with --kubernetes-version', () => {
    const dir = tempDir({ 'gap.yaml': privilegedPolicy('gap', NO_EPHEMERAL), 'hp.yaml': HOST_PROCESS });
    const [old] = sarifOf([dir, '--kubernetes-version', '1.22']).runs[0]!.results!;
    const [now] = sarifOf([dir, '--kubernetes-version', '1.30']).runs[0]!.results!;
    expect(old!.ruleId).toBe(now!.ruleId);
    expect(old!.message.text).not.toBe(now!.message.text); // 1.22: the feature gate is off by default
    expect(old!.level).not.toBe(now!.level);
    expect(old!.partialFingerprints).toEqual(now!.partialFingerprints);
  });

  it('tells apart findings of different policies in one file', () => {
    const dir = tempDir({ 'two.yaml': `${privilegedPolicy('a', NO_EPHEMERAL)}---\n${privilegedPolicy('b', NO_EPHEMERAL)}`, 'hp.yaml': HOST_PROCESS });
    const prints = sarifOf([dir]).runs[0]!.results!.map((r) => r.partialFingerprints!['polcovFinding/v2']);
    expect(prints).toHaveLength(2);
    expect(new Set(prints).size).toBe(2);
  });

  it('passes the SARIF Multitool on the whole corpus', () => {
    if (!fs.existsSync(CORPUS)) return console.warn(`skipped: the corpus ${CORPUS} is absent`);
    expect(sarifMultitoolProblems(runCli(['scan', CORPUS, '-f', 'sarif']).out)).toEqual([]);
  });
});
