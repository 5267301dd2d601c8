// Incidents: open → acknowledged → resolved, each transition audited.
export {
  acknowledgeIncident,
  INCIDENT_STATUSES,
  incidentStatusSchema,
  listIncidents,
  openIncident,
  openIncidentSchema,
  resolveIncident,
  type Incident,
  type IncidentStatus,
  type OpenIncidentInput,
} from './incidents.js';
