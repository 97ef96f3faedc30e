/**
 * The bundled samples are the demo (`npm start`): every vulnerable file shows a gap, every fixed
 * folder is clean on its own, and the whole set shows every rule firing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audit } from '../src/audit';
import { applyConfig, findConfig, loadConfig } from '../src/index';
import { RULES } from '../src/rules';
import { runCli } from './ci-fixtures';

const SAMPLES = path.join(__dirname, '..', 'samples');
const engines = fs.readdirSync(SAMPLES).filter((d) => fs.statSync(path.join(SAMPLES, d)).isDirectory());

describe.each(engines)('samples/%s', (engine) => {
  it('every vulnerable file shows at least one finding', () => {
    const dir = path.join(SAMPLES, engine, 'vulnerable');
    const result = audit({ paths: [dir] });
    expect(result.errors).toEqual([]);
    const flagged = new Set(result.findings.map((f) => path.basename(f.file)));
    expect(fs.readdirSync(dir).filter((f) => !flagged.has(f))).toEqual([]);
  });

  // PSPs, the one engine whose fixed variant could not shed its gaps, enforce nothing on the default target (1.25+).
  it('the fixed folder yields no error or warning', () => {
    const result = audit({ paths: [path.join(SAMPLES, engine, 'fixed')] });
    expect(result.errors).toEqual([]);
    const unexpected = result.findings.filter((f) => f.severity !== 'note');
    expect(unexpected.map((f) => `${f.file}:${f.line} ${f.ruleId}`)).toEqual([]);
  });
});

it('`polcov scan samples/` (npm start) shows every rule firing, each sample folder judged as its own set', () => {
  const run = runCli(['scan', SAMPLES, '--format', 'json', '--fail-on', 'never']);
  expect(run.code).toBe(0);
  const fired = new Set((JSON.parse(run.out) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId));
  expect(RULES.map((r) => r.meta.id).filter((id) => !fired.has(id))).toEqual([]);
});

it('without sets, the fixed policies cover HostProcess for the whole repository', () => {
  const fired = new Set(audit({ paths: [SAMPLES] }).findings.map((f) => f.ruleId));
  expect(fired.has('hostprocess-unchecked')).toBe(false);
});

it('the library agrees with the CLI on samples/ once the configuration is applied (applyConfig)', () => {
  const cli = (JSON.parse(runCli(['scan', SAMPLES, '--format', 'json', '--fail-on', 'never']).out) as { findings: unknown[] }).findings;
  const api = audit(applyConfig({ paths: [SAMPLES] }, loadConfig(findConfig([SAMPLES])!))).findings;
  expect(JSON.parse(JSON.stringify(api))).toEqual(cli);
  // Without it, the sets of .polcov.yaml do not apply: audit() alone reads no configuration.
  expect(audit({ paths: [SAMPLES] }).findings.length).not.toBe(cli.length);
});
