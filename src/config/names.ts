/**
 * The names of polcov's configuration files. Kept free of imports so the file walk can skip them
 * (they are never policies) without importing the configuration loader.
 */
export const CONFIG_NAMES: readonly string[] = ['.polcov.yaml', '.polcov.yml'];

/** Whether a file name (no folder) is a polcov configuration file. */
export function isConfigName(name: string): boolean {
  return CONFIG_NAMES.includes(name);
}
