/**
 * OPA's built-in functions (and Gatekeeper's `external_data`) with the number of arguments each
 * takes. A call may add one more argument, the output (`count(xs, n)`). A name not here and not a
 * rule of the scanned modules is a function OPA's compiler refuses ("undefined function").
 */
const ARITY: Readonly<Record<number, readonly string[]>> = {
  0: ['time.now_ns', 'opa.runtime', 'rego.metadata.chain', 'rego.metadata.rule'],
  1: [
    'abs', 'all', 'any', 'array.reverse', 'base64.decode', 'base64.encode', 'base64.is_valid', 'base64url.decode', 'base64url.encode',
    'base64url.encode_no_pad', 'bits.negate', 'cast_array', 'cast_boolean', 'cast_null', 'cast_object', 'cast_set', 'cast_string', 'ceil',
    'count', 'crypto.md5', 'crypto.parse_private_keys', 'crypto.sha1', 'crypto.sha256', 'crypto.x509.parse_and_verify_certificates',
    'crypto.x509.parse_certificate_request', 'crypto.x509.parse_certificates', 'crypto.x509.parse_rsa_private_key', 'external_data', 'floor',
    'glob.quote_meta', 'hex.decode', 'hex.encode', 'http.send', 'intersection', 'io.jwt.decode', 'is_array', 'is_boolean', 'is_null',
    'is_number', 'is_object', 'is_set', 'is_string', 'json.is_valid', 'json.marshal', 'json.unmarshal', 'json.verify_schema', 'lower',
    'max', 'min', 'net.cidr_expand', 'net.cidr_is_valid', 'net.cidr_merge', 'net.lookup_ip_addr', 'object.keys', 'object.union_n',
    'product', 'regex.is_valid', 'round', 'semver.is_valid', 'sort', 'strings.reverse', 'sum', 'time.clock', 'time.date', 'time.format',
    'time.parse_duration_ns', 'time.parse_rfc3339_ns', 'time.weekday', 'to_number', 'trace', 'trim_space', 'type_name', 'union', 'units.parse',
    'units.parse_bytes', 'upper', 'urlquery.decode', 'urlquery.decode_object', 'urlquery.encode', 'urlquery.encode_object', 'uuid.parse',
    'uuid.rfc4122', 'walk', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal', 'graphql.parse_query', 'graphql.parse_schema', 'graphql.schema_is_valid',
  ],
  2: [
    'and', 'array.concat', 'bits.and', 'bits.lsh', 'bits.or', 'bits.rsh', 'bits.xor', 'concat', 'contains', 'crypto.hmac.equal',
    'crypto.hmac.md5', 'crypto.hmac.sha1', 'crypto.x509.parse_keypair', 'crypto.hmac.sha256', 'crypto.hmac.sha512', 'crypto.x509.parse_and_verify_certificates_with_options',
    'div', 'endswith', 'eq', 'equal', 'format_int', 'graph.reachable', 'graph.reachable_paths', 'gt', 'gte', 'indexof', 'indexof_n',
    'io.jwt.decode_verify', 'io.jwt.verify_es256', 'io.jwt.verify_es384', 'io.jwt.verify_es512', 'io.jwt.verify_hs256', 'io.jwt.verify_hs384',
    'io.jwt.verify_hs512', 'io.jwt.verify_ps256', 'io.jwt.verify_ps384', 'io.jwt.verify_ps512', 'io.jwt.verify_rs256', 'io.jwt.verify_rs384',
    'io.jwt.verify_rs512', 'io.jwt.verify_eddsa', 'json.filter', 'json.marshal_with_options', 'json.match_schema', 'json.patch', 'json.remove',
    'lt', 'lte', 'minus', 'mul', 'neq', 'net.cidr_contains', 'net.cidr_contains_matches', 'net.cidr_intersects', 'net.cidr_overlap',
    'numbers.range', 'object.filter', 'object.remove', 'object.subset', 'object.union', 'or', 'plus', 'rand.intn', 're_match', 'regex.globs_match',
    'regex.match', 'regex.split', 'rego.parse_module', 'rem', 'semver.compare', 'set_diff', 'split', 'sprintf', 'startswith',
    'strings.any_prefix_match', 'strings.any_suffix_match', 'strings.count', 'strings.render_template', 'strings.replace_n', 'time.diff',
    'time.parse_ns', 'trim', 'trim_left', 'trim_prefix', 'trim_right', 'trim_suffix', 'graphql.is_valid', 'graphql.parse',
    'graphql.parse_and_verify',
  ],
  3: [
    'array.slice', 'io.jwt.encode_sign', 'io.jwt.encode_sign_raw', 'object.get', 'regex.find_all_string_submatch_n', 'regex.find_n',
    'regex.replace', 'replace', 'substring', 'providers.aws.sign_req', 'glob.match', 'numbers.range_step',
  ],
  4: ['regex.template_match', 'time.add_date'],
};

const arities = new Map<string, number>();
for (const [n, names] of Object.entries(ARITY)) for (const name of names) arities.set(name, Number(n));

/** Builtins that take any number of arguments. */
const VARIADIC = new Set(['print']);

/** The arguments a builtin takes, 'any', or undefined for a name that is no builtin. */
export function builtinArity(name: string): number | 'any' | undefined {
  return VARIADIC.has(name) ? 'any' : arities.get(name);
}
