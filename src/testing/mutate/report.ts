/** The `--mutate` section of the `polcov test` reports: each bypass and what held, in text and JUnit. */
import { escapeXml } from '../../report/junit';
import type { MutationReport } from '.';

const MARK = { bypass: 'BYPASS', holds: 'holds', undecided: 'UNDECIDED', 'not-built': 'not built' } as const;

export function mutationText(m: MutationReport): string[] {
  const out = ['', 'Bypass checks (--mutate):'];
  for (const c of m.cases) {
    for (const v of c.variants) {
      const at = v.status === 'bypass' ? `${c.policyAt.file}:${c.policyAt.line}:${c.policyAt.column}` : `${c.file}:${c.line}`;
      out.push(`${at}: ${MARK[v.status]} ${v.variant} ${c.path}`, `    ${v.message}`);
    }
  }
  const t = m.totals;
  out.push(`${t.cases} denied pod cases, ${t.variants} variants: ${t.bypasses} bypasses, ${t.holds} hold, ${t.undecided} undecided, ${t.notBuilt} not built`);
  return out;
}

/** One testsuite: a bypass is a failure, an undecided variant an error, an unbuilt one skipped. */
export function mutationJunit(m: MutationReport): string[] {
  const t = m.totals;
  const lines = [`  <testsuite name="polcov test --mutate" tests="${t.variants}" failures="${t.bypasses}" errors="${t.undecided}" skipped="${t.notBuilt}">`];
  for (const c of m.cases) {
    for (const v of c.variants) {
      const open = `    <testcase classname="${escapeXml(c.policy)}" name="${escapeXml(`${c.path} [${v.variant}]`)}" file="${escapeXml(c.file)}" line="${c.line}"`;
      const body = { bypass: 'failure', undecided: 'error', 'not-built': 'skipped', holds: undefined }[v.status];
      lines.push(body ? `${open}><${body} message="${escapeXml(v.message)}"/></testcase>` : `${open}/>`);
    }
  }
  lines.push('  </testsuite>');
  return lines;
}
