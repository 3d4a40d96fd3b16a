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
  send<T>(method: "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T>;
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
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
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
    send: (method, path, body) => call(method, path, body),
  };
}

/**
 * The key's role. No endpoint says who a key is yet, so this asks for what only some roles may
 * read: webhooks (admin and viewer), then API keys (admin only). A 401 is thrown as it came.
 */
export async function findRole(api: Api): Promise<Role> {
  const refusedAs = async (path: string, role: Role): Promise<Role | undefined> => {
    try {
      await api.get(path);
      return undefined;
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) return role;
      throw error;
    }
  };
  return (
    (await refusedAs("/webhooks?limit=1", "ingest")) ??
    (await refusedAs("/keys?limit=1", "viewer")) ??
    "admin"
  );
}
