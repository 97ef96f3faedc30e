/** The evaluator's public data types. */

export interface RegoModuleSource {
  file: string;
  text: string;
  /** Rego version of the module; default v0 (Gatekeeper's), `import rego.v1` switches to v1. */
  version?: 'v0' | 'v1';
}

/** An error as OPA reports one: a code, a message and, where known, the place in the policy. */
export interface RegoError {
  /** e.g. rego_parse_error, rego_compile_error, eval_conflict_error, eval_builtin_error, eval_budget_error. */
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface RegoTestResult {
  /** Full rule path, e.g. `data.k8spspprivileged.test_update`. */
  name: string;
  package: string;
  file: string;
  line: number;
  column: number;
  outcome: 'pass' | 'fail' | 'error';
  error?: RegoError;
}

/** Renders an error like OPA: `file:line: code: message`. */
export function formatRegoError(e: RegoError): string {
  const where = e.file ? `${e.file}:${e.line ?? 0}:${e.column ?? 0}: ` : '';
  return `${where}${e.code}: ${e.message}`;
}
