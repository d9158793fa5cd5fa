// The packet capture API (docs/api.md "Captures"): starting a capture (a streamed pcap download or a
// file on the server's disk), running captures with their counters, recent captures, favorites,
// capture profiles (snap-length rules) and the files on disk. Also tracks running captures so that
// a PCAP button whose capture runs turns into a STOP button (as in the reference).
import { Params, del, get, post, put, url } from './api';
import { api } from './endpoints';

export interface RunningCapture {
  id: string | number;
  user?: string;
  client?: string;
  expression?: string;
  startTime?: number | null; // epoch µs
  endTime?: number | null;
  snapPacketLength?: number;
  fromCaptureBuffer?: boolean;
  toMedia?: boolean;
  captured?: number;
  dropped?: number;
  ignored?: number;
  bytes?: number;
  state?: string;
  files?: (string | { name: string; size?: number })[];
  [key: string]: unknown;
}

export interface RecentCapture {
  expression?: string;
  startTime?: number | null;
  endTime?: number | null;
  snapPacketLength?: number;
  fromCaptureBuffer?: boolean;
  captureToMedia?: boolean;
  profile?: string;
  time?: number; // wall clock µs
  [key: string]: unknown;
}

export interface Favorite {
  id: string | number;
  expression: string;
  description?: string;
  [key: string]: unknown;
}

// A rule's condition is a filter expression (or an L7 protocol name); snapLength 0 keeps whole packets.
export interface ProfileRule {
  expression?: string;
  l7Protocol?: string;
  snapLength: number;
}

export interface Profile {
  id?: string | number;
  name: string;
  rules: ProfileRule[];
  [key: string]: unknown;
}

export interface CaptureFile {
  name: string;
  size?: number;
  modified?: number | null;
  [key: string]: unknown;
}

export const MAX_PROFILES = 10;
export const MAX_RULES = 10;

// The request parameters of GET /API/data/modules/capture (times in epoch µs).
export interface CaptureRequest {
  expression: string;
  startTime?: number;
  endTime?: number;
  snapPacketLength?: number;
  profile?: string | number;
  fromCaptureBuffer?: boolean;
  captureToMedia?: boolean;
  useSingleInterface?: boolean;
  maxDuration?: number;
  maxBytes?: number;
  maxPackets?: number;
  fileName?: string;
  zip?: boolean;
  zipSplitSize?: number; // MB
  splitSize?: number; // MB, to disk
  splitDuration?: number; // s of packet time, to disk
}

function listOf<T>(data: unknown, key: string): T[] {
  if (Array.isArray(data)) return data as T[];
  const d = data as Record<string, unknown> | null;
  const v = d?.[key] ?? d?.displayedItems;
  return Array.isArray(v) ? (v as T[]) : [];
}

export function captureUrl(r: CaptureRequest): string {
  return url(api.capture, r as unknown as Params);
}

export const captureApi = {
  running: async () => listOf<RunningCapture>(await get(api.captures), 'captures'),
  stop: (id: string | number) => del<unknown>(api.capture_(id)),
  // A capture to the server's disk answers at once (the capture keeps running on the server).
  startToDisk: (r: CaptureRequest) => get<Record<string, unknown>>(api.capture, { ...r, captureToMedia: true } as unknown as Params),
  recent: async () => listOf<RecentCapture>(await get(api.captureRecent), 'recent'),
  clearRecent: () => del<unknown>(api.captureRecent),
  favorites: async () => listOf<Favorite>(await get(api.captureFavorites), 'favorites'),
  addFavorite: (expression: string, description: string) => post<Favorite>(api.captureFavorites, { expression, description }),
  removeFavorite: (id: string | number) => del<unknown>(api.captureFavorite(id)),
  removeFavorites: () => del<unknown>(api.captureFavorites),
  profiles: async () => listOf<Profile>(await get(api.captureProfiles), 'profiles'),
  addProfile: (p: Profile) => post<Profile>(api.captureProfiles, p),
  updateProfile: (id: string | number, p: Profile) => put<Profile>(api.captureProfile(id), p),
  removeProfile: (id: string | number) => del<unknown>(api.captureProfile(id)),
  files: async () => listOf<CaptureFile>(await get(api.captureFiles), 'files'),
  fileUrl: (name: string) => api.captureFile(name),
};

// ---- running captures, shared by every PCAP button

let running: RunningCapture[] = [];
const listeners = new Set<() => void>();
let timer: number | undefined;
let polling = false;

export function runningCaptures(): RunningCapture[] {
  return running;
}

export function normalizeExpression(e: string | undefined): string {
  return (e ?? '').replace(/\s+/g, '').toLowerCase();
}

export function runningFor(expression: string): RunningCapture | undefined {
  const want = normalizeExpression(expression);
  return running.find((c) => normalizeExpression(c.expression) === want && isRunning(c));
}

export function isRunning(c: RunningCapture): boolean {
  return !c.state || c.state === 'running';
}

export function onCapturesChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Reads the running captures now, and every 2 s while any runs (or for `minSeconds` after a start,
// since a download shows up only once the browser has sent its request).
export async function pollCaptures(minSeconds = 0): Promise<void> {
  const until = Date.now() + minSeconds * 1000;
  window.clearTimeout(timer);
  const tick = async () => {
    if (polling) return;
    polling = true;
    try {
      running = await captureApi.running();
    } catch {
      running = [];
    } finally {
      polling = false;
    }
    for (const fn of listeners) fn();
    if (running.some(isRunning) || Date.now() < until) timer = window.setTimeout(tick, 2000);
  };
  await tick();
}
