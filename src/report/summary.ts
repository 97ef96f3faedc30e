/** The summary sentence every reporter ends with, including the findings it does not list. */
import type { AuditResult, AuditSummary } from '../audit';
import { CEL_DEFAULT_FROM_MINOR } from '../engines/gatekeeper/versions';

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

/** Findings left out of the list, so none disappears silently: suppressed, baselined, already at the diff base. */
export function unlisted(s: AuditSummary): string[] {
  const out: string[] = [];
  if (s.suppressed > 0) out.push(`${s.suppressed} suppressed`);
  if (s.baselined > 0) out.push(`${s.baselined} baselined`);
  if (s.diff) out.push(`${s.diff.preexisting} already at ${s.diff.base}`, `${s.diff.fixed} fixed since ${s.diff.base}`);
  if (s.hidden?.count) out.push(`${s.hidden.count} below ${s.hidden.below} not shown`);
  return out;
}

/** What the audit assumed: the target version (once, at the top of a report) and --assume-enforce. */
export function assumptions(r: AuditResult): string[] {
  const k = r.summary.kubernetes;
  const out = [
    k.assumed
      ? `Target: Kubernetes ${k.version}, the newest polcov knows (name your cluster's with --kubernetes-version).`
      : `Target: Kubernetes ${k.version}.`,
  ];
  const g = r.summary.gatekeeper;
  if (g) {
    out.push(
      g.assumed
        ? `Target: Gatekeeper ${g.version}, the newest polcov knows (name yours with --gatekeeper-version): of templates with both CEL and Rego, the ${Number(g.version.split('.')[1]) >= CEL_DEFAULT_FROM_MINOR ? 'CEL' : 'Rego'} half counts.`
        : `Target: Gatekeeper ${g.version}.`,
    );
    if (g.templatesAssumedEnforced > 0) {
      out.push(`No Gatekeeper constraint in the scanned files: ${plural(g.templatesAssumedEnforced, 'ConstraintTemplate')} judged as if a constraint with default (empty) parameters matched Pods and denied.`);
    }
  }
  const n = r.summary.assumedEnforced;
  if (n !== undefined) {
    out.push(`Every policy is judged as if enforced (--assume-enforce): ${plural(n, 'policy', 'policies')} that only audit or warn count as blocking.`);
  }
  return out;
}

export function summarySentence(r: AuditResult): string {
  const s = r.summary;
  const n = r.findings.length;
  const counts = `${plural(s.findings.error, 'error')}, ${plural(s.findings.warning, 'warning')}, ${plural(s.findings.note, 'note')}`;
  const problems = s.errors > 0 ? `, ${plural(s.errors, 'input error')}` : '';
  const listed = n === 0 ? (s.diff ? 'No new findings' : 'No findings') : s.diff ? plural(n, 'new finding') : plural(n, 'finding');
  // --quiet / --min-severity: the counts are of every finding, the list only of those shown.
  const found = s.hidden?.count ? `${listed} shown` : listed;
  const rest = unlisted(s);
  const proof = s.proof ? ` Proof: ${s.proof.confirmed} confirmed, ${s.proof.refuted} refuted (not reported), ${s.proof.unconfirmed} unconfirmed.` : '';
  return `${found} (${counts})${problems} in ${plural(s.policies, 'policy', 'policies')} from ${plural(s.files, 'file')}${rest.length ? `; ${rest.join(', ')}` : ''}.${notRead(s)}${proof}`;
}

/** What was read but not analysed as policy: test or partial documents and test runners' files. */
function notRead(s: AuditSummary): string {
  const parts = [
    ...(s.skipped > 0 ? [`${plural(s.skipped, 'test or partial document')}`] : []),
    ...(s.testFiles > 0 ? [`${plural(s.testFiles, 'test file')} (--include-tests reads them)`] : []),
  ];
  return parts.length ? ` Skipped: ${parts.join(', ')}.` : '';
}
