// Custom dashboards: what is stored on the server (/API/system/dashboards, per user) and the
// shared templates.
import { del, get, put } from '../api';
import { api } from '../endpoints';

export type WidgetType = 'text' | 'traffic' | 'top-ips' | 'top-macs' | 'ip' | 'l4-port' | 'l4-mix' | 'tcp' | 'l7' | 'app';

export interface Widget {
  id: string;
  type: WidgetType;
  caption: string;
  width: 1 | 2;
  settings: Record<string, string>;
}

export interface Dashboard {
  id: string;
  name: string;
  description?: string;
  widgets: Widget[];
}

export interface Template {
  name: string;
  author: string;
  dashboard: Dashboard;
}

export const WIDGET_TYPES: { type: WidgetType; label: string; fields: { key: string; label: string; placeholder?: string }[] }[] = [
  { type: 'traffic', label: 'Traffic graph (all interfaces)', fields: [] },
  { type: 'top-ips', label: 'Top IPs', fields: [{ key: 'count', label: 'Rows', placeholder: '5' }] },
  { type: 'top-macs', label: 'Top MACs', fields: [{ key: 'count', label: 'Rows', placeholder: '5' }] },
  { type: 'ip', label: 'IP address', fields: [{ key: 'ip', label: 'IP', placeholder: '10.0.0.1' }] },
  {
    type: 'l4-port',
    label: 'Layer 4 server port',
    fields: [
      { key: 'protocol', label: 'Protocol', placeholder: 'tcp, udp or sctp' },
      { key: 'port', label: 'Port', placeholder: '443' },
    ],
  },
  { type: 'l4-mix', label: 'Layer 4 protocols', fields: [] },
  { type: 'tcp', label: 'TCP overview', fields: [{ key: 'ip', label: 'IP', placeholder: 'empty: all TCP traffic' }] },
  { type: 'l7', label: 'L7 protocol', fields: [{ key: 'protocol', label: 'Protocol', placeholder: 'e.g. TLS; empty: top protocols' }] },
  { type: 'app', label: 'HTTP / SSL / DNS overview', fields: [{ key: 'kind', label: 'Kind', placeholder: 'http, ssl, dns or quic' }] },
  { type: 'text', label: 'Text', fields: [{ key: 'text', label: 'Text' }] },
];

export function newId(): string {
  return Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
}

export async function loadDashboards(): Promise<Dashboard[]> {
  const r = await get<{ dashboards: Dashboard[] }>(api.dashboards);
  return r.dashboards ?? [];
}

export async function saveDashboards(list: Dashboard[]): Promise<Dashboard[]> {
  const r = await put<{ dashboards: Dashboard[] }>(api.dashboards, { dashboards: list });
  return r.dashboards ?? [];
}

export async function loadTemplates(): Promise<Template[]> {
  const r = await get<{ templates: Template[] }>(`${api.dashboards}/templates`);
  return r.templates ?? [];
}

export async function saveTemplate(name: string, dashboard: Dashboard): Promise<void> {
  await put(`${api.dashboards}/templates`, { name, dashboard });
}

export async function deleteTemplate(name: string): Promise<void> {
  await del(`${api.dashboards}/templates/${encodeURIComponent(name)}`);
}

// Checks an imported file: a dashboard object with a name and a list of widgets of known types.
export function parseImported(text: string): Dashboard {
  const d = JSON.parse(text) as Partial<Dashboard>;
  if (!d || typeof d !== 'object' || typeof d.name !== 'string' || !d.name.trim() || !Array.isArray(d.widgets)) {
    throw new Error('not a netmeter dashboard file (needs "name" and "widgets")');
  }
  const known = new Set(WIDGET_TYPES.map((t) => t.type));
  const widgets: Widget[] = d.widgets
    .filter((w) => w && known.has(w.type))
    .map((w) => ({
      id: newId(),
      type: w.type,
      caption: String(w.caption ?? ''),
      width: w.width === 2 ? 2 : 1,
      settings: Object.fromEntries(Object.entries(w.settings ?? {}).map(([k, v]) => [k, String(v)])),
    }));
  return { id: newId(), name: d.name.trim().slice(0, 200), description: d.description ? String(d.description) : undefined, widgets };
}
