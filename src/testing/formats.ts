/** Every test-file format `polcov test` runs, in detection order: adding a format is one line here. */
import { kyvernoTestFormat } from './kyverno-test';
import type { SuiteFormat } from './suite-format';

export const SUITE_FORMATS: readonly SuiteFormat[] = [kyvernoTestFormat];
