import { channelsFromEnv, sendAlert, type AlertInput } from '../src/alerts/index.js';
import { openIncident, type OpenIncidentInput } from '../src/incidents/index.js';
import { currentWorkflowId, type ActivityDeps } from './deps.js';

/** The monitor's incident and alert activities: what a breach leaves behind and who is told. */
export function createIncidentActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    /** Opens an incident (idempotent by key, audited); returns its id and whether this call created it. */
    async recordIncident(input: OpenIncidentInput): Promise<{ id: number; status: string; created: boolean }> {
      const { incident, created } = await openIncident(db, { ...input, workflowId: input.workflowId ?? currentWorkflowId() });
      return { id: incident.id, status: incident.status, created };
    },

    /** Sends an alert to the configured channels (webhook, Slack); a channel that fails is reported, not thrown. */
    async sendAlert(input: AlertInput): Promise<{ sent: string[]; failed: { channel: string; error: string }[] }> {
      return sendAlert(deps.alertChannels ?? channelsFromEnv(), input);
    },
  };
}

export type IncidentActivities = ReturnType<typeof createIncidentActivities>;
