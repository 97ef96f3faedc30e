/**
 * CEL's regex functions use Go's RE2 syntax. JavaScript's RegExp reads the common subset the same way;
 * RE2's leading flag groups (`(?i)`, `(?s)`, `(?m)`) become RegExp flags, and what JavaScript cannot
 * express is an error, never a silently different match.
 */
const cache = new Map<string, RegExp>();

export function goRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let source = pattern;
  let flags = 'u';
  const lead = /^\(\?([ims]+)\)/.exec(source);
  if (lead) {
    flags += lead[1];
    source = source.slice(lead[0].length);
  }
  if (/\(\?[a-zA-Z-]*[:)]/.test(source) || /\\[zApP]/.test(source)) throw new Error(`regex ${JSON.stringify(pattern)} uses RE2 syntax polcov cannot evaluate`);
  re = new RegExp(source, flags);
  if (cache.size > 1000) cache.clear();
  cache.set(pattern, re);
  return re;
}
