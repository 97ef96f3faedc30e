/** Gatekeeper releases the evaluator knows; the newest is the default. Apart, so that the CLI names it without loading the evaluator. */
export const NEWEST_GATEKEEPER = '3.20';
