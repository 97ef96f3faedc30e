/**
 * CEL parsing through @marcbachmann/cel-js: parse only, never evaluate. Optional types are on
 * because Kubernetes policies use `x.?f.orValue(d)`; unlisted variables are dynamic because each
 * admission environment (VAP, Kyverno, Gatekeeper) declares its own.
 */
import type * as CelJs from '@marcbachmann/cel-js';
import { lazy } from '../../lazy';
import { textMemo } from '../../text-memo';

export type CelNode = CelJs.ASTNode;

const environment = lazy(() => {
  const { Environment } = require('@marcbachmann/cel-js') as typeof CelJs;
  return new Environment({ enableOptionalTypes: true, unlistedVariablesAreDyn: true });
});

export type Parsed = { ast: CelNode } | { error: string };

/** Parses by text: an expression repeated across policies (or analysed per constraint's parameters) is parsed once; the AST is read-only. */
const parsed = textMemo<Parsed>(1_000_000);

export function parseCel(text: string): Parsed {
  return parsed(text, () => {
    try {
      return { ast: environment().parse(text).ast };
    } catch (e) {
      return { error: celErrorLine(e) };
    }
  });
}

/** A cel-js error in one line: its summary, else the first line of its message. */
export function celErrorLine(e: unknown): string {
  const err = e as { summary?: string; message?: string };
  return err.summary ?? String(err.message ?? e).split('\n')[0]!;
}
