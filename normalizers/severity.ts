// Snyk severity → numeric severity for CEF (0-10), LEEF `sev` (1-10) and ECS event.severity.
import type { Severity } from './types.js';

// CEF bands ("Implementing ArcSight CEF" rev 25, header table): 0-3 Low, 4-6 Medium, 7-8 High, 9-10 Very-High.
// The Snyk mapping sits inside the bands: low 3, medium 5, high 8, critical 10.
export const SEVERITY_SCORE: Readonly<Record<Severity, number>> = {
  low: 3,
  medium: 5,
  high: 8,
  critical: 10,
};

/** Summary and generic records are informational: 1, the lowest value both CEF and LEEF (1-10) accept. */
export const INFORMATIONAL_SCORE = 1;

export function severityScore(severity: Severity | undefined): number {
  return severity === undefined ? INFORMATIONAL_SCORE : SEVERITY_SCORE[severity];
}
