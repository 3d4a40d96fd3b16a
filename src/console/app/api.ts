import type { Issue, Role } from "./types";

/** An answer of the API other than 2xx: its status, message and (for a 422) the issues by field. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  /** `signal` cancels the request (a preview overtaken by a newer one). */
  send<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown, signal?: AbortSignal): Promise<T>;
}

/** The message an error answer carries, or a description of an answer that is not the API's JSON. */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { message?: string; issues?: Issue[] };
    return new ApiError(response.status, body.message ?? response.statusText, body.issues ?? []);
  } catch {
    return new ApiError(response.status, `${response.status} ${response.statusText}`);
  }
}

/**
 * A client of /api/v1 with `key` as its Bearer token: the console can do only what the API lets
 * that key do. A 401 (the key unknown, or revoked meanwhile) is also told to `onUnauthorized`.
 */
export function createApi(key: string, onUnauthorized: (error: ApiError) => void): Api {
  async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      signal,
    });
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401) onUnauthorized(error);
      throw error;
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : null) as T;
  }
  return {
    get: (path) => call("GET", path),
    send: (method, path, body, signal) => call(method, path, body, signal),
  };
}

/** The key's role, as GET /whoami says (any valid key may ask). A 401 is thrown as it came. */
export async function findRole(api: Api): Promise<Role> {
  return (await api.get<{ name: string; role: Role }>("/whoami")).role;
}
