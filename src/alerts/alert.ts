import { z } from 'zod';

/** An alert Ferry raises: a breach, a failed canary, an incident. */
export const alertSchema = z.object({
  title: z.string().min(1),
  text: z.string().min(1),
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  model: z.string().optional(),
  env: z.string().optional(),
  incidentId: z.number().int().optional(),
  /** Where to look: a Temporal UI page, a dashboard. */
  link: z.string().url().optional(),
  details: z.record(z.string(), z.unknown()).default({}),
});
export type Alert = z.infer<typeof alertSchema>;
export type AlertInput = z.input<typeof alertSchema>;

/** Somewhere alerts go. */
export interface AlertChannel {
  readonly name: string;
  send(alert: Alert): Promise<void>;
}
