// The CEF mapping tables of docs/siem (Sentinel, ArcSight) against the vendors' published mappings and real records.
import { describe, expect, it } from 'vitest';
import { encode } from '../../normalizers/index.js';
import { parseCef } from '../normalizers/parsers/cef-parse.js';
import { corpus } from './corpus.js';
import { mappingTable } from './siem-rows.js';

const HEADER = [
  'Device Vendor',
  'Device Product',
  'Device Version',
  'Device Event Class ID',
  'Name',
  'Severity',
];
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Custom keys and their labels: cs1…6, cn1…3, cfp1…4, flexString1…2, deviceCustomDate1…2. */
function customKeys(name: (key: string, n: number, label: boolean) => string): [string, string][] {
  const out: [string, string][] = [];
  const add = (key: string, count: number) => {
    for (const n of range(count)) {
      out.push([`${key}${n}`, name(key, n, false)], [`${key}${n}Label`, name(key, n, true)]);
    }
  };
  add('cs', 6);
  add('cn', 3);
  add('cfp', 4);
  add('flexString', 2);
  add('deviceCustomDate', 2);
  return out;
}

// Microsoft Learn, "CEF and CommonSecurityLog field mapping" (articles/sentinel/cef-name-mapping.md in
// MicrosoftDocs/azure-docs), with the schema change of 28 February 2023 (Microsoft Sentinel blog, "Upcoming changes
// to the CommonSecurityLog table"): externalId → ExtID (string), cnN → FieldDeviceCustomNumberN (long).
const SENTINEL_COLUMN: Readonly<Record<string, string>> = {
  'Device Vendor': 'DeviceVendor',
  'Device Product': 'DeviceProduct',
  'Device Version': 'DeviceVersion',
  'Device Event Class ID': 'DeviceEventClassID',
  Name: 'Activity',
  Severity: 'LogSeverity',
  act: 'DeviceAction',
  cat: 'DeviceEventCategory',
  request: 'RequestURL',
  msg: 'Message',
  rt: 'ReceiptTime',
  externalId: 'ExtID',
  flexDate1: 'FlexDate1',
  flexDate1Label: 'FlexDate1Label',
  ...Object.fromEntries(
    customKeys((key, n, label) => {
      const base = {
        cs: 'DeviceCustomString',
        cn: label ? 'DeviceCustomNumber' : 'FieldDeviceCustomNumber',
        cfp: 'DeviceCustomFloatingPoint',
        flexString: 'FlexString',
        deviceCustomDate: 'DeviceCustomDate',
      }[key];
      return `${base}${n}${label ? 'Label' : ''}`;
    }),
  ),
};

// The CEF Implementation Standard's extension dictionary (full names, which ArcSight fields carry); the header
// Severity is kept as sent in deviceSeverity (agentSeverity is ArcSight's band).
const ARCSIGHT_FIELD: Readonly<Record<string, string>> = {
  'Device Vendor': 'deviceVendor',
  'Device Product': 'deviceProduct',
  'Device Version': 'deviceVersion',
  'Device Event Class ID': 'deviceEventClassId',
  Name: 'name',
  Severity: 'deviceSeverity',
  act: 'deviceAction',
  cat: 'deviceEventCategory',
  request: 'requestUrl',
  msg: 'message',
  rt: 'deviceReceiptTime',
  externalId: 'externalId',
  flexDate1: 'flexDate1',
  flexDate1Label: 'flexDate1Label',
  ...Object.fromEntries(
    customKeys((key, n, label) => {
      const base = {
        cs: 'deviceCustomString',
        cn: 'deviceCustomNumber',
        cfp: 'deviceCustomFloatingPoint',
        flexString: 'flexString',
        deviceCustomDate: 'deviceCustomDate',
      }[key];
      return `${base}${n}${label ? 'Label' : ''}`;
    }),
  ),
};

/** Every CEF key the records carry: the header fields and each extension key, user-defined `snyk…` keys aside. */
const cefKeys = new Set(
  corpus().flatMap((record) => [
    ...HEADER,
    ...[...parseCef(encode(record, 'cef')).extension.keys()].filter((key) => !key.startsWith('snyk')),
  ]),
);

describe.each([
  ['sentinel.md', SENTINEL_COLUMN],
  ['arcsight.md', ARCSIGHT_FIELD],
])('docs/siem/%s CEF table', (page, oracle) => {
  const table = mappingTable(page);

  it('lists every CEF key the records carry', () => {
    expect(cefKeys.size).toBeGreaterThan(20);
    expect([...cefKeys].filter((key) => !table.has(key))).toEqual([]);
  });

  it('names the field each key lands in as the vendor maps it', () => {
    for (const key of cefKeys) expect(table.get(key), key).toBe(oracle[key]);
  });
});

it('sentinel.md sends the user-defined snyk… keys to AdditionalExtensions', () => {
  expect(mappingTable('sentinel.md').get('snyk…')).toBe('AdditionalExtensions');
});
