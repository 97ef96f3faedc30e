/** polcov's public API. */
export { audit, parseKubernetesMinor, UsageError, LATEST_MINOR } from './audit';
export type { AuditOptions, AuditResult, AuditSummary } from './audit';
export { CONTROLS } from './catalog/controls';
export type { Control, ControlId } from './catalog/controls';
export { RULES, docsPath } from './rules';
export type { RuleModule, RuleMeta } from './rules/types';
export { REPORTERS } from './report';
export type { Reporter } from './report';
export { auditDiff } from './diff';
export { applyBaseline, makeBaseline, readBaseline, writeBaseline } from './baseline';
export type { Baseline, BaselineEntry } from './baseline';
export { applyConfig, findConfig, loadConfig } from './config/load';
export type { LoadedConfig, PolcovConfig } from './config/load';
export type { SuppressedFinding } from './suppress';
export type * from './facts';
