// Finding keys: the join between webhook and REST issues, read back into their parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findingKey, findingKeys, parseFindingKey } from '../../normalizers/finding-key.js';

describe('finding keys', () => {
  it('one key per package version, one with an empty version when the issue lists none', () => {
    expect(findingKeys({ id: 'SNYK-JS-A-1', packageName: 'a', packageVersions: ['1.0.0', '2.0.0'] })).toEqual(
      ['SNYK-JS-A-1 a 1.0.0', 'SNYK-JS-A-1 a 2.0.0'],
    );
    expect(findingKeys({ id: 'snyk:lic:npm:b:GPL-3.0', packageName: 'b', packageVersions: [] })).toEqual([
      'snyk:lic:npm:b:GPL-3.0 b ',
    ]);
  });

  it('parseFindingKey gives back the parts findingKey took, spaces and percent signs included', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (id, name, version) => {
          expect(parseFindingKey(findingKey(id, name, version))).toEqual([id, name ?? '', version ?? '']);
        },
      ),
    );
  });
});
