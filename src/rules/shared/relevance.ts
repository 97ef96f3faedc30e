/**
 * Which rules a finding may concern: only those whose match reaches Pods (or pod-template
 * controllers) and that check a catalogued control. A GitRepository, Service or Node rule is
 * outside polcov's subject, so its enforcement, exemptions and unreadable parts say nothing.
 */
import { control } from '../../catalog/controls';
import type { Exemption, PolicyFacts, RuleFacts, Unanalyzable } from '../../facts';

/** The rule's match reaches Pods or the controllers whose templates make them. */
export const seesPods = (r: RuleFacts): boolean => r.scope.matchesPod || r.scope.controllersOnlyAt !== undefined;

/** The rule constrains some catalogued control of the Pods it sees (a demand for a field to exist is one too). */
export const checksPods = (r: RuleFacts): boolean => !r.registrationOnly && seesPods(r) && (r.checks.length > 0 || r.forbidsEphemeral !== undefined);

/**
 * A policy about Pods: Pod Security configuration (a namespace labelled `privileged` included), or one
 * with a rule that checks Pods. Set-level verdicts need one; a set of Ingress policies gets none.
 */
export const isPodPolicy = (p: PolicyFacts): boolean => p.engine === 'psa' || p.engine === 'psp' || p.rules.some(checksPods);

/** What an unreadable part of a rule could decide: a guard only whether the rule's checks run, anything else could hide checks. */
export function unanalyzableMatters(r: RuleFacts, u: Unanalyzable): boolean {
  if (!seesPods(r)) return false;
  return u.guard ? r.checks.some((c) => !c.presenceOnly) || r.forbidsEphemeral !== undefined : true;
}

const exempted = (e: Exemption, r: RuleFacts): boolean => !e.rules || e.rules.includes(r.name) || (r.autogenOf !== undefined && e.rules.includes(r.autogenOf));

/**
 * An exemption lets a debug container past something only where it exempts a rule that sees Pods and
 * checks, in the containers, a control an ephemeral container can set (not resources, probes, ports,
 * lifecycle).
 */
export function exemptionReachesDebug(p: PolicyFacts, e: Exemption): boolean {
  // Nothing known about what it exempts (a constraint whose template was not scanned): fail closed.
  if (p.rules.length === 0) return true;
  // Every image: its container checks are gone from the facts (they cover nothing), the exemption stays.
  if (e.kind === 'image' && e.value === '*') return p.rules.some((r) => !r.registrationOnly && r.scope.matchesPod);
  return p.rules.some(
    (r) =>
      exempted(e, r) &&
      !r.registrationOnly &&
      r.scope.matchesPod &&
      ((r.forbidsEphemeral !== undefined && !e.controls) ||
        r.checks.some(
          (c) =>
            c.location !== 'pod' &&
            !c.presenceOnly &&
            control(c.control).ephemeralSettable &&
            // An image exemption admits only the images it names: past an image check it lets nothing new through.
            !(e.kind === 'image' && c.control === 'image') &&
            (!e.controls || e.controls.includes(c.control)),
        )),
  );
}
