/** Kubernetes `field.Error` as PodSecurityPolicy admission reports it. */

export interface PspFieldError {
  type: 'Invalid' | 'Required' | 'Forbidden';
  field: string;
  value?: unknown;
  detail: string;
}

export const invalid = (field: string, value: unknown, detail: string): PspFieldError => ({ type: 'Invalid', field, value, detail });
export const required = (field: string, detail = ''): PspFieldError => ({ type: 'Required', field, detail });
export const forbidden = (field: string, detail: string): PspFieldError => ({ type: 'Forbidden', field, detail });

function valueText(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** `field.Error.Error()`: `spec.containers[0].securityContext.privileged: Invalid value: true: Privileged containers are not allowed`. */
export function errorText(e: PspFieldError): string {
  const body = e.type === 'Invalid' ? `Invalid value: ${valueText(e.value)}` : e.type === 'Required' ? 'Required value' : 'Forbidden';
  return `${e.field}: ${body}${e.detail ? `: ${e.detail}` : ''}`;
}
