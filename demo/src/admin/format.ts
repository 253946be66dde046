/** Display helpers for the dashboard. */

/** `95_000` → `1m 35s`; `4_000_000` → `1h 06m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d`;
}

export function ago(iso: string, now = Date.now()): string {
  return `${formatDuration(now - Date.parse(iso))} ago`;
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** `FAILED_MAX_RETRIES` → `Failed (max retries)`. */
export function statusLabel(status: string, short = false): string {
  if (short && status === 'FAILED_MAX_RETRIES') return 'Max retries';
  const labels: Record<string, string> = {
    INITIATED: 'Initiated',
    PROCESSING: 'Processing',
    INTERRUPTED: 'Interrupted',
    RESUMED: 'Resumed',
    COMPLETED: 'Completed',
    CANCELLED: 'Cancelled',
    FAILED_MAX_RETRIES: 'Failed (max retries)',
    EXPIRED: 'Expired',
  };
  return labels[status] ?? status;
}

export const reasonLabel = (reason: string) => reason.replace(/_/g, ' ');
