// The join key of a finding between webhooks and Snyk's REST API: Snyk issue id, package and one package version.
import type { IssueInfo } from './types.js';

// Snyk's migration guide from the v1 issue APIs to the REST Issues API joins on (project id, Snyk vulnerability id,
// package, version): the REST issue id is a UUID unrelated to the webhook's id. The project id is kept apart (the
// forwarded set holds one hash per project), so a member is the other three parts.

/** One part of a key: a space would read as a separator, so it is escaped the way a URL escapes it. */
function part(value: string | undefined): string {
  return (value ?? '').replaceAll('%', '%25').replaceAll(' ', '%20');
}

/** The key of one version of an issue's package: `<issue id> <package> <version>`. */
export function findingKey(
  issueId: string,
  packageName: string | undefined,
  version: string | undefined,
): string {
  return `${part(issueId)} ${part(packageName)} ${part(version)}`;
}

/** The parts of a key, as findingKey took them ('' for a missing package or version). */
export function parseFindingKey(key: string): [issueId: string, packageName: string, version: string] {
  const [issueId = '', packageName = '', version = ''] = key
    .split(' ')
    .map((text) => decodeURIComponent(text));
  return [issueId, packageName, version];
}

/** One key per package version the issue lists; one with an empty version when it lists none (a licence issue). */
export function findingKeys(issue: Pick<IssueInfo, 'id' | 'packageName' | 'packageVersions'>): string[] {
  if (issue.packageVersions.length === 0) return [findingKey(issue.id, issue.packageName, undefined)];
  return issue.packageVersions.map((version) => findingKey(issue.id, issue.packageName, version));
}
