/**
 * Where each report goes: `--format` may be repeated; `--output FILE` sends the only format to a file,
 * `--output FORMAT=FILE` sends one of several. At most one format is left for stdout, and no two share a file.
 */
import { UsageError } from './audit';
import { physicalPath } from './write-file';

export interface OutputTarget {
  format: string;
  /** Absent: stdout. */
  file?: string;
}

export function planOutputs(formats: string[], outputs: string[], known: readonly string[]): OutputTarget[] {
  const chosen = formats.length > 0 ? [...new Set(formats)] : ['text'];
  const files = new Map<string, string>();
  const assign = (format: string, file: string, given: string): void => {
    if (!chosen.includes(format)) throw new UsageError(`--output ${given}: ${format} is not among the --format values (add --format ${format})`);
    if (files.has(format)) throw new UsageError(`--output: ${format} is given two files (${files.get(format)} and ${file})`);
    files.set(format, file);
  };
  for (const o of outputs) {
    const pair = /^([a-z]+)=(.+)$/.exec(o);
    if (pair && known.includes(pair[1]!)) assign(pair[1]!, pair[2]!, o);
    else if (chosen.length === 1) assign(chosen[0]!, o, o);
    else throw new UsageError(`--output ${o}: with several formats, name the format: --output FORMAT=FILE`);
  }
  // Two reports in one file: the second would silently replace the first.
  const byPath = new Map<string, string>();
  for (const [format, file] of files) {
    const other = byPath.get(physicalPath(file));
    if (other) throw new UsageError(`--output: ${files.get(other)} is given to both ${other} and ${format}: give each format its own file`);
    byPath.set(physicalPath(file), format);
  }
  const targets = chosen.map((format) => (files.has(format) ? { format, file: files.get(format)! } : { format }));
  const toStdout = targets.filter((t) => !t.file).map((t) => t.format);
  if (toStdout.length > 1) throw new UsageError(`only one format can go to stdout, not ${toStdout.join(' and ')}: give the others --output FORMAT=FILE`);
  return targets;
}
