/**
 * readSource reads a regular file through one reused buffer when it fits (256 KiB) and in chunks
 * otherwise: every size must come back whole, and a text read earlier must not change when the
 * buffer is reused.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSource } from '../../src/discover/walk';
import type { ScanError } from '../../src/facts';

const KIB = 1024;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-read-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A file of `size` bytes: a line of its size, then `x` lines, then a last character that differs. */
function fileOf(size: number): { file: string; text: string } {
  const head = `# ${size}\n`;
  const text = head + 'x'.repeat(Math.max(0, size - head.length - 1)) + 'z';
  const file = path.join(dir, `f${size}.yaml`);
  fs.writeFileSync(file, text);
  return { file, text };
}

describe('readSource', () => {
  it.each([10, 4 * KIB, 256 * KIB - 1, 256 * KIB, 256 * KIB + 1, 700 * KIB])('a file of %i bytes is read whole', (size) => {
    const { file, text } = fileOf(size);
    const errors: ScanError[] = [];
    expect(readSource(file, { maxFileBytes: 10 * KIB * KIB }, errors)?.text).toBe(text);
    expect(errors).toEqual([]);
  });

  it('a text read before is unchanged by the next read', () => {
    const a = fileOf(1000);
    const b = fileOf(2000);
    const first = readSource(a.file, { maxFileBytes: KIB * KIB }, [])!;
    readSource(b.file, { maxFileBytes: KIB * KIB }, []);
    expect(first.text).toBe(a.text);
  });

  it('a file over the limit is an error, not read', () => {
    const { file } = fileOf(3000);
    const errors: ScanError[] = [];
    expect(readSource(file, { maxFileBytes: 2999 }, errors)).toBeUndefined();
    expect(errors.map((e) => e.message)).toEqual(['file is 3000 bytes, over the 2999-byte limit (raise it with --max-file-size)']);
  });
});
