// The event class id shared by the CEF and LEEF headers: the Snyk issue id, restricted to a safe character set.

// CEF (Implementing ArcSight CEF rev 25, "Header" notes) asks that `%` and `#` in a vulnerability id mapped to
// Device Event Class ID be escaped but defines no syntax for it, and LEEF 2.0 defines no header escape at all.
// Real Snyk ids only use [A-Za-z0-9._:-] (SNYK-JS-LODASH-567746, npm:ms:20170412), so every other character is
// replaced by `_`: the id can then never carry %, #, |, \ or a control character, in either format.
const UNSAFE = /[^A-Za-z0-9._:@/+-]/g;

export function eventClassId(id: string, limit: number): string {
  // One character in, one out: cutting first gives the same result without scanning a long id whole.
  return (id.length <= limit ? id : id.slice(0, limit)).replace(UNSAFE, '_');
}
