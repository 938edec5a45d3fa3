/**
 * The one redaction of secrets in locations: everything that prints, logs or stores a location (or
 * text that may embed one, such as a driver's error message) passes it through `redactLocation`.
 *
 * - the password of a URL's userinfo (`scheme://user:SECRET@host`, also with an empty user and in
 *   URLs `new URL` cannot parse): `scheme://user:***@host`;
 * - `password=…` (and `sslpassword=…`) in any case and position: a URL's query, a libpq
 *   `key=value` connection string, a message quoting either: `password=***`.
 */
export const REDACTED = '***';

// scheme://[user]:password@ — the password runs to the last `@` before the path, query or space.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/gi;
// password=value, value quoted ('…' or "…") or up to the next separator (punctuation that ends a
// sentence, such as the colon after a URL in a message, stays).
const PASSWORD_PARAM = /\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&#;,)'"]*?(?=[.:]?(?:[\s&#;,)'"]|$)))/gi;

export function redactLocation(text: string): string {
  return text
    .replace(USERINFO_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(PASSWORD_PARAM, (_m, key: string) => `${key}${REDACTED}`);
}

/**
 * A location fit to store (settings) or show: the password taken out, with the password it held
 * (from the userinfo or a `password=` query parameter) so the caller can keep it in a secret store.
 */
export function splitPassword(location: string): { location: string; password: string | undefined } {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    // Unparseable: nothing can be taken out reliably; never keep the secret in what is stored.
    return { location: redactLocation(location), password: undefined };
  }
  let password = url.password ? safeDecode(url.password) : undefined;
  url.password = '';
  for (const key of [...url.searchParams.keys()]) {
    if (key.toLowerCase() === 'password') {
      password ??= url.searchParams.get(key) ?? undefined;
      url.searchParams.delete(key);
    }
  }
  return { location: url.toString(), password: password === '' ? undefined : password };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
