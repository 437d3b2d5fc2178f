// What one payload may cost: limits on issues, identifiers and text, set far above real Snyk payloads (mapping §8).

// Real deliveries (the captures in test/fixtures/snyk/, Snyk's payload docs): a snapshot carries only the issues introduced and resolved since the
// previous test, about 1,500 each for a large change; an issue lists a handful of CVE/CWE/GHSA ids, package versions
// and fixed-in versions, and its advisory is 4.5-5.5 KB of Markdown. Each limit leaves a margin of six times or more,
// so it only ever cuts a pathological or hostile payload, and every cut is counted in the record (mapping §8).
export const LIMITS = Object.freeze({
  /** Entries of newIssues, and of removedIssues, that become findings; the summary counts the rest. */
  issuesPerList: 10_000,
  /** Distinct entries kept of one list (CVE, CWE, GHSA, fixed-in and package versions, tags, attributes). */
  itemsPerList: 1_000,
  /** UTF-16 code units kept of an advisory (issueData.description), marker included. */
  descriptionLength: 65_536,
  /** UTF-16 code units kept of any other text: ids, titles, names, URLs, list entries. */
  textLength: 4_096,
  /** X-Snyk-Timestamp is the record time only from this long before the receipt time... */
  timestampPastMs: 7 * 24 * 60 * 60 * 1000,
  /** ...to this long after it (clock skew between Snyk and this host). */
  timestampFutureMs: 5 * 60 * 1000,
  /** Characters kept of a refused X-Snyk-Timestamp header (a real one has at most 32). */
  timestampHeaderLength: 64,
  /** Characters of org and project fields that all the records of one delivery may repeat (context-budget.ts)... */
  contextTotal: 16 * 1024 * 1024,
  /** ...shared out per record, but never fewer than this per record (a real context is 0.5-1 KB)... */
  contextPerRecordMin: 2_048,
  /** ...nor more. */
  contextPerRecordMax: 32_768,
  /** A single org or project field is never cut shorter than this to fit the budget. */
  contextFieldMin: 64,
});
