/** The metrics issue 6 asks for, under the default "jgs_" prefix. */
export const METRIC_NAMES = [
  "jgs_jobs_grabbed_total",
  "jgs_jobs_completed_total",
  "jgs_jobs_failed_total",
  "jgs_registration_packets_total",
  "jgs_jenkins_requests_total",
  "jgs_jenkins_request_duration_seconds",
  "jgs_poll_cycle_seconds",
  "jgs_events_published_total",
  "jgs_events_dropped_total",
  "jgs_gearman_reconnects_total",
  "jgs_gearman_connected",
  "jgs_free_executors",
  "jgs_in_flight_builds",
  "jgs_draining",
] as const;
