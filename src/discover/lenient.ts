/**
 * The one YAML leniency of Kubernetes tooling polcov reproduces: Go's YAML decoders (kubectl,
 * kustomize, the engines' CLIs) do not check the indentation of a quoted value's continuation lines,
 * which YAML 1.2 (and the `yaml` package) require to be indented deeper than the enclosing block.
 * Public policy libraries ship such files, so when the strict parse fails this way the text is
 * re-indented (spaces added before the continuation lines only) and parsed again; the caller records
 * a warning. Leading spaces of a quoted scalar's continuation lines are folded away, so no value
 * changes and line numbers stay the same.
 */

/** The text with under-indented quoted continuation lines indented, or undefined when there are none. */
export function reindentQuotedContinuations(text: string): string | undefined {
  const lines = text.split('\n');
  let changed = false;
  // Inside a block scalar (`|`, `>`): lines deeper than this indentation (or blank) are its content.
  let blockParent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = leadingSpaces(line);
    if (blockParent >= 0) {
      if (line.trim() === '' || indent > blockParent) continue;
      blockParent = -1;
    }
    const open = scanLine(line, indent);
    if (open.kind === 'block') blockParent = indent;
    if (open.kind !== 'quote') continue;
    // Follow the quoted scalar to its closing quote, indenting the lines it continues on.
    const minIndent = open.column + 1;
    let j = i + 1;
    for (; j < lines.length; j++) {
      const next = lines[j]!;
      if (/^(---|\.\.\.)(\s|$)/.test(next)) return undefined; // a document marker ends it: really broken
      const nextIndent = leadingSpaces(next);
      if (next.trim() !== '' && nextIndent < minIndent) {
        lines[j] = ' '.repeat(minIndent - nextIndent) + next;
        changed = true;
      }
      if (closingQuote(next, 0, open.quote) !== -1) break;
    }
    i = j;
  }
  return changed ? lines.join('\n') : undefined;
}

type LineScan = { kind: 'none' } | { kind: 'block' } | { kind: 'quote'; quote: string; column: number };

/**
 * Finds a quoted scalar that opens at a node position on this line (line start, after `- `, `? `,
 * `: `) and does not close on it, or a block scalar header. Flow collections are left alone.
 */
function scanLine(line: string, indent: number): LineScan {
  let p = indent;
  let nodeStart = true;
  while (p < line.length) {
    const c = line[p]!;
    if (c === ' ' || c === '\t') {
      p++;
      continue;
    }
    if (c === '#' && (p === 0 || line[p - 1] === ' ' || line[p - 1] === '\t')) return { kind: 'none' }; // a comment
    if (nodeStart && (c === '-' || c === '?' || c === ':') && /[ \t]|$/.test(line[p + 1] ?? '')) {
      p++;
      continue;
    }
    if (nodeStart && (c === '"' || c === "'")) {
      const close = closingQuote(line, p + 1, c);
      if (close === -1) return { kind: 'quote', quote: c, column: p };
      p = close + 1;
      nodeStart = false;
      continue;
    }
    if (nodeStart && (c === '|' || c === '>')) return { kind: 'block' };
    if (nodeStart && (c === '[' || c === '{')) return { kind: 'none' };
    if (nodeStart && (c === '&' || c === '!')) {
      // Anchor or tag before the node: the node starts after it.
      while (p < line.length && line[p] !== ' ' && line[p] !== '\t') p++;
      continue;
    }
    if (c === ':' && /[ \t]|$/.test(line[p + 1] ?? '')) {
      p++;
      nodeStart = true;
      continue;
    }
    nodeStart = false;
    p++;
  }
  return { kind: 'none' };
}

/** Offset of the quote that closes a scalar opened with `quote`, searching from `from`; -1 if none. */
function closingQuote(line: string, from: number, quote: string): number {
  for (let p = from; p < line.length; p++) {
    const c = line[p];
    if (quote === '"' && c === '\\') p++;
    else if (c === quote) {
      if (quote === "'" && line[p + 1] === "'") p++;
      else return p;
    }
  }
  return -1;
}

function leadingSpaces(line: string): number {
  let n = 0;
  while (line[n] === ' ') n++;
  return n;
}
