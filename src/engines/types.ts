/** The contract between discovery and the engine adapters. */
import type { YamlDoc } from '../discover/yaml-doc';
import type { SourceFile } from '../discover/walk';
import type { EngineId, PolicyFacts, SourceRef } from '../facts';

/** One Kubernetes object found in the scanned files. */
export interface PolicyDoc {
  yaml: YamlDoc;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  at: SourceRef;
}

export interface EngineContext {
  /** Kubernetes minor version the audit targets (1.minor): the one named, else the newest polcov knows. */
  kubernetesMinor: number;
  /** Gatekeeper minor version the audit targets (3.minor): decides which half of a dual-engine template runs. */
  gatekeeperMinor: number;
  /** Gatekeeper templates may be analysed on a worker thread too (AuditOptions.worker). */
  worker?: boolean;
}

/**
 * An engine's analysis of documents together, so it can link them (templates and constraints).
 * `earlier`: the facts of its standalone documents, analysed before (Kyverno's exceptions amend them).
 */
export type Analyze = (docs: PolicyDoc[], raw: SourceFile[], ctx: EngineContext, earlier: readonly PolicyFacts[]) => PolicyFacts[];

/** What names a document in a report: enough to say it is unanalyzable once its syntax tree is gone. */
export type DocIdentity = Pick<PolicyDoc, 'kind' | 'name' | 'namespace' | 'at'>;

/**
 * A scan's linking of documents that refer to one another (Gatekeeper constraints to their
 * templates): each document is read as soon as its file is read, keeping only what linking needs,
 * so syntax trees are not held until every file is read; `link` joins them once every file is.
 */
export interface Linking {
  read(doc: PolicyDoc): void;
  link(): PolicyFacts[];
}

/**
 * What routing knows of an engine (src/engines/index.ts). Its analysis module is loaded only when a
 * scan holds its documents.
 */
export interface Engine {
  id: EngineId;
  /** Substrings a file must contain to hold one of this engine's documents (the cheap prefilter). */
  markers: readonly string[];
  /** Kinds this engine reads; used to recognise a policy file that failed to parse. */
  kinds: readonly string[];
  accepts(apiVersion: string, kind: string): boolean;
  /** File extensions read as raw source rather than YAML (e.g. `.rego`). */
  rawExtensions?: readonly string[];
  analyze: Analyze;
  /**
   * Documents whose facts depend on no other document: analysed as soon as their file is read, so
   * that their syntax trees are not kept. The others are analysed together once every file is read.
   */
  standalone?: (doc: PolicyDoc) => boolean;
  /** Set for engines whose documents link to one another: they are read on arrival, linked at the end. */
  linking?: (ctx: EngineContext) => Linking;
}
