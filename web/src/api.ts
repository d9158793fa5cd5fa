// The REST API client: same origin, session cookie, JSON errors {"error", "parameter"}.

export class ApiError extends Error {
  constructor(
    public status: number,
    message: string,
    public parameter?: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | undefined | null>;

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function url(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function request<T>(method: string, path: string, params: Params, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url(path, params), {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        // Asks the server not to send WWW-Authenticate on 401 (no browser password dialog).
        'X-Requested-With': 'XMLHttpRequest',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${(e as Error).message})`);
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const err = (data ?? {}) as { error?: string; parameter?: string };
    if (response.status === 401 && !path.startsWith('/API/auth/login')) onUnauthorized();
    throw new ApiError(response.status, err.error ?? `${response.status} ${response.statusText}`, err.parameter);
  }
  return data as T;
}

export function get<T>(path: string, params: Params = {}): Promise<T> {
  return request<T>('GET', path, params);
}
export function post<T>(path: string, body: unknown, params: Params = {}): Promise<T> {
  return request<T>('POST', path, params, body);
}
export function put<T>(path: string, body: unknown, params: Params = {}): Promise<T> {
  return request<T>('PUT', path, params, body);
}
export function del<T>(path: string, params: Params = {}): Promise<T> {
  return request<T>('DELETE', path, params);
}

// The sub-resources of a node of the tree (OPTIONS), or [] when the node does not exist.
export async function subResources(path: string): Promise<string[]> {
  try {
    const r = await request<{ subResources?: string[] }>('OPTIONS', path, {});
    return r?.subResources ?? [];
  } catch {
    return [];
  }
}

export interface Me {
  user: string;
  role: 'admin' | 'read-only' | 'pcap' | string;
}
