/**
 * The pluggable part of `polcov test`: a SuiteFormat recognises its test files, loads them into suites
 * of cases, and each case runs to a result. A new kind of test file (gator Suite, OPA unit tests, the
 * Kyverno CLI's kyverno-test.yaml) is one module implementing SuiteFormat plus one line in formats.ts.
 */
import type { AdmissionRequest, Decision, KubeObject } from '../admission';
import type { SourceRef } from '../facts';
import type { SourceFile } from '../discover/walk';

/** What every case run may be told: engine choices that change semantics. */
export interface RunSettings {
  /** Gatekeeper release whose engine choice applies to dual-engine templates (e.g. "3.16"); newest when absent. */
  gatekeeperVersion?: string;
}

export type CaseStatus = 'pass' | 'fail' | 'error';

export interface CaseResult {
  status: CaseStatus;
  /** What the test expects, in words ("violations: yes", "2 violations, message /privileged/"). */
  expected: string;
  /** What polcov found, in the same words. */
  actual: string;
  /** The decisions behind `actual`: the denying rule and its messages. */
  decisions: Decision[];
}

export interface SuiteCase {
  /** The case name as the test file writes it. */
  name: string;
  /** suite/test/case: what `--run REGEX` is matched against. */
  path: string;
  /** Where the case is written. */
  at: SourceRef;
  run(settings: RunSettings): CaseResult;
  /** Set on cases that expect a denial: what `--mutate` needs to try the attacker's variants of the object. */
  mutation?: MutationTarget;
}

/** The object a denying case reviews and its policy, to evaluate variants of the object with. */
export interface MutationTarget {
  object: KubeObject;
  /** Objects the same test expects admitted: candidate base pods to add the violating container to. */
  allowed: readonly KubeObject[];
  /** The policy under test as reports name it (template kind/constraint, Kyverno policy). */
  policy: string;
  /** Where to fix it: the template, else the case. */
  policyAt: SourceRef;
  /** What the test supplies that the policy reads beyond the request (values, context objects), in words; absent when nothing. */
  data?: string;
  /** The same policy (and constraint, cluster, values) on another admission request. */
  evaluate(request: AdmissionRequest, settings: RunSettings): Decision[];
}

/** A suite that cannot be read: the whole suite is an error at this place; other suites still run. */
export interface SuiteError extends SourceRef {
  message: string;
}

export interface LoadedSuite {
  /** The format's id, e.g. `gator`, `rego`. */
  format: string;
  name: string;
  file: string;
  cases: SuiteCase[];
  error?: SuiteError;
}

export interface SuiteFormat {
  id: string;
  /** Cheap test on the file's name and text: is this one of my test files? */
  detect(file: SourceFile): boolean;
  /** The suites the file holds, their referenced files read; problems become `LoadedSuite.error`, never throw. */
  load(file: SourceFile): LoadedSuite[];
}

/** The suite in `file` that could not be read because of the problem at `at` (maybe in another file). */
export function brokenSuite(format: string, name: string, file: string, at: SourceRef, message: string): LoadedSuite {
  return { format, name, file, cases: [], error: { ...at, message } };
}
