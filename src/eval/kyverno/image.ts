/**
 * Kyverno's image information (kyverno/pkg/utils/image): the default registry `docker.io` added
 * when the first path part is not a host, no `library/` inserted, tag `latest` when neither tag nor
 * digest is given. Feeds the `images` variable and `image_normalize()`.
 */

export interface ImageInfo {
  registry: string;
  path: string;
  name: string;
  tag: string;
  digest: string;
  reference: string;
  referenceWithTag: string;
}

const DEFAULT_REGISTRY = 'docker.io';

function withRegistry(image: string): string {
  const i = image.indexOf('/');
  if (i < 0) return `${DEFAULT_REGISTRY}/${image}`;
  const first = image.slice(0, i);
  return !/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first ? `${DEFAULT_REGISTRY}/${image}` : image;
}

export function imageInfo(image: string): ImageInfo {
  const full = withRegistry(image);
  const at = full.indexOf('@');
  const digest = at >= 0 ? full.slice(at + 1) : '';
  const named = at >= 0 ? full.slice(0, at) : full;
  const slash = named.indexOf('/');
  const registry = named.slice(0, slash);
  let path = named.slice(slash + 1);
  const colon = path.lastIndexOf(':');
  let tag = '';
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
  }
  if (!tag && !digest) tag = 'latest';
  const base = `${registry}/${path}`;
  return {
    registry,
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    tag,
    digest,
    reference: digest ? `${base}@${digest}` : `${base}:${tag}`,
    referenceWithTag: `${base}:${tag}`,
  };
}
