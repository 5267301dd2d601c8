import { z } from 'zod';

/** One version's share of an environment's traffic. */
export const routeSchema = z.strictObject({
  version: z.number().int().positive('expected a registered version number ≥ 1'),
  percent: z.number().int('expected a whole percentage').min(0).max(100, 'expected a percentage ≤ 100'),
});

/** A route set: the versions serving an environment, their percentages summing to 100, each version once. */
export const routesSchema = z
  .array(routeSchema)
  .min(1, 'expected at least one route')
  .refine((routes) => routes.reduce((sum, r) => sum + r.percent, 0) === 100, 'route percentages must sum to 100')
  .refine((routes) => new Set(routes.map((r) => r.version)).size === routes.length, 'each version may appear once');

export type Route = z.infer<typeof routeSchema>;

/** Canonical form: zero-percent routes dropped, sorted by version — so equal traffic compares equal. */
export function normalizeRoutes(routes: readonly Route[]): Route[] {
  return routes.filter((r) => r.percent > 0).map((r) => ({ version: r.version, percent: r.percent })).sort((a, b) => a.version - b.version);
}

/** Whether two route sets send the same share of traffic to the same versions. */
export function sameRoutes(a: readonly Route[], b: readonly Route[]): boolean {
  const x = normalizeRoutes(a);
  const y = normalizeRoutes(b);
  return x.length === y.length && x.every((r, i) => r.version === y[i]!.version && r.percent === y[i]!.percent);
}

/** `v1:90 v2:10`, for messages and logs. */
export function describeRoutes(routes: readonly Route[]): string {
  return normalizeRoutes(routes).map((r) => `v${r.version}:${r.percent}`).join(' ');
}
