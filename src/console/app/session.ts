// The API key lives in sessionStorage only: gone when the tab closes, never in a cookie (sent with
// every request), localStorage (kept on disk) or the URL (history, logs, Referer).

const KEY_ITEM = "herald.api-key";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_ITEM);
}
