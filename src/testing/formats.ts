/** Every test-file format `polcov test` runs, in detection order: adding a format is one line here. */
import { gatorSuiteFormat } from './gator-suite';
import { kyvernoTestFormat } from './kyverno-test';
import { regoTestFormat } from './rego-tests';
import type { SuiteFormat } from './suite-format';

export const SUITE_FORMATS: readonly SuiteFormat[] = [gatorSuiteFormat, regoTestFormat, kyvernoTestFormat];
