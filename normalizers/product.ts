// Which Snyk product a project belongs to, by project type; names the CEF/LEEF Device Product and ECS observer.product.

// Project types: Snyk docs "project-type-responses-from-the-api"; container types apk, deb, rpm, linux, dockerfile.
const CONTAINER_TYPES = new Set(['apk', 'deb', 'rpm', 'linux', 'dockerfile']);

export type SnykProduct = 'Snyk Open Source' | 'Snyk Container' | 'Snyk IaC' | 'Snyk Code' | 'Snyk';

export function isContainerType(type: string | undefined): boolean {
  return type !== undefined && CONTAINER_TYPES.has(type);
}

/** The product for a project type; 'Snyk' when the type is unknown (generic events). */
export function productFor(type: string | undefined): SnykProduct {
  if (type === undefined) return 'Snyk';
  if (isContainerType(type)) return 'Snyk Container';
  if (type.endsWith('config')) return 'Snyk IaC';
  if (type === 'sast') return 'Snyk Code';
  return 'Snyk Open Source';
}
