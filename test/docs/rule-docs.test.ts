/**
 * Rule documentation: every registered rule has a page in docs/rules/, every page has the agreed
 * structure, and its examples are true: polcov reports the rule on the Avoid block and does not
 * report it on the Prefer block.
 *
 * Set-level rules (hostprocess-unchecked…) are judged over the whole example, which is why an
 * example may hold several documents. A Prefer block may still produce findings of *other* rules
 * (a single policy usually leaves HostProcess open, for instance): only the page's own rule counts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { audit } from '../../src/audit';
import { PROVABLE_RULES } from '../../src/proof';
import { docsPath, RULES } from '../../src/rules';

const ROOT = path.join(__dirname, '..', '..');
const DOCS_DIR = path.join(ROOT, 'docs', 'rules');
const SECTIONS = ['Summary', 'Why it matters', 'Avoid', 'Prefer', 'How to fix', 'Known limitations'] as const;
type SectionName = (typeof SECTIONS)[number];

const ruleIds = RULES.map((r) => r.meta.id);
const severityOf = new Map(RULES.map((r) => [r.meta.id, r.meta.severity]));
const pages = fs.existsSync(DOCS_DIR)
  ? fs.readdirSync(DOCS_DIR).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -'.md'.length)).sort()
  : [];

interface Page {
  title: string | undefined;
  /** Non-empty lines between the title and the first section. */
  preamble: string[];
  /** `## ` headings outside code fences, in order. */
  headings: string[];
  sections: Map<string, string>;
}

/** Splits a page into its title, preamble and `## ` sections; headings inside code fences are text. */
function parsePage(text: string): Page {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const page: Page = { title: undefined, preamble: [], headings: [], sections: new Map() };
  let inFence = false;
  let current: string | undefined;
  let body: string[] = [];
  const flush = (): void => {
    if (current !== undefined && !page.sections.has(current)) page.sections.set(current, body.join('\n'));
  };
  for (const line of lines) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = inFence ? undefined : /^## (.+?)\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      flush();
      page.headings.push(heading);
      current = heading;
      body = [];
    } else if (current !== undefined) {
      body.push(line);
    } else if (page.title === undefined && /^# /.test(line)) {
      page.title = line.slice(2).trim();
    } else if (line.trim()) {
      page.preamble.push(line.trim());
    }
  }
  flush();
  return page;
}

const SEVERITY_LINE = /^Severity: (error|warning|note) · Engines: (\S.*)$/;

/** Engine ids on the severity line (`Engines: kyverno, psp`), as findings name them. */
const enginesOf = (page: Page): string[] =>
  (SEVERITY_LINE.exec(page.preamble[0] ?? '')?.[2] ?? '').split(',').map((e) => e.trim().toLowerCase());

const readPage = (id: string): Page => parsePage(fs.readFileSync(path.join(ROOT, docsPath(id)), 'utf8'));

/** Every fenced block of a section as {lang, body}. */
function fencedBlocks(section: string): { lang: string; body: string }[] {
  const out: { lang: string; body: string }[] = [];
  const re = /^```([^\n`]*)\n([\s\S]*?)^```\s*$/gm;
  for (let m = re.exec(section); m; m = re.exec(section)) out.push({ lang: m[1]!.trim(), body: m[2]! });
  return out;
}

/** The section's single ```yaml block (fails the test when there is not exactly one fenced block). */
function yamlBlock(page: Page, name: SectionName): string {
  const blocks = fencedBlocks(page.sections.get(name) ?? '');
  expect(blocks.map((b) => b.lang)).toEqual(['yaml']);
  return blocks[0]!.body;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polcov-rule-docs-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Audits one example on its own, in a file of its own. */
function auditExample(id: string, which: 'avoid' | 'prefer', text: string): ReturnType<typeof audit> {
  const file = path.join(tmp, `${id}.${which}.yaml`);
  fs.writeFileSync(file, text);
  return audit({ paths: [file] });
}

describe('rule documentation', () => {
  it('finds the docs/rules folder', () => {
    expect(pages.length).toBeGreaterThan(0);
  });

  it.each(ruleIds)('registered rule %s has a page', (id) => {
    expect(fs.existsSync(path.join(ROOT, docsPath(id)))).toBe(true);
  });

  describe.each(pages)('docs/rules/%s.md', (id) => {
    it('documents a registered rule', () => {
      expect(ruleIds).toContain(id);
    });

    it('has the title, the severity line and the sections in order', () => {
      const page = readPage(id);
      expect(page.title).toBe(id);
      expect(page.preamble).toHaveLength(1);
      const m = SEVERITY_LINE.exec(page.preamble[0] ?? '');
      expect(m).not.toBeNull();
      expect(m![1]).toBe(severityOf.get(id));
      // Rules polcov proves (--prove) say which witness it builds, just before the known limitations.
      const witness = PROVABLE_RULES.has(id) ? ['Witness'] : [];
      expect(page.headings).toEqual([...SECTIONS.slice(0, -1), ...witness, 'Known limitations']);
      for (const s of [...SECTIONS, ...witness]) expect((page.sections.get(s) ?? '').trim()).not.toBe('');
      expect(fencedBlocks(page.sections.get('Avoid')!).map((b) => b.lang)).toEqual(['yaml']);
      expect(fencedBlocks(page.sections.get('Prefer')!).map((b) => b.lang)).toEqual(['yaml']);
    });

    it('Avoid example: polcov reports the rule, from an engine the page lists', () => {
      const page = readPage(id);
      const result = auditExample(id, 'avoid', yamlBlock(page, 'Avoid'));
      expect(result.policies.length).toBeGreaterThan(0);
      const own = result.findings.filter((f) => f.ruleId === id);
      expect(own.map((f) => f.ruleId)).toContain(id);
      const listed = enginesOf(page);
      for (const f of own) expect(listed).toContain(f.engine);
    });

    it('Prefer example: polcov reads it and does not report the rule', () => {
      const result = auditExample(id, 'prefer', yamlBlock(readPage(id), 'Prefer'));
      // A Prefer that polcov cannot read would pass trivially.
      expect(result.errors.filter((e) => e.severity === 'error')).toEqual([]);
      expect(result.policies.length).toBeGreaterThan(0);
      expect(result.findings.filter((f) => f.ruleId === id)).toEqual([]);
    });
  });
});
