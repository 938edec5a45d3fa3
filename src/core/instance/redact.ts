/**
 * The one redaction of secrets in locations: everything that prints, logs or stores a location (or
 * text that may embed one, such as a driver's error message) passes it through `redactLocation`.
 *
 * - the password of a URL's userinfo (`scheme://user:SECRET@host`, also with an empty user and in
 *   URLs `new URL` cannot parse): `scheme://user:***@host`. An unencoded `/`, `?`, `#`, `@` or space
 *   may be part of it (pg accepts them), so it runs to the last `@` of the line that starts no other
 *   URL: text between a port and a later `@` on the same line is redacted too (safe, not exact);
 * - `password=…` (and `sslpassword=…`) in any case and position: a URL's query, a libpq
 *   `key=value` connection string, a message quoting either: `password=***`; a URL query key
 *   percent-encoded (`pass%77ord=…`, which pg decodes to `password`) as well.
 */
export const REDACTED = '***';

// scheme://[user]:password@ — the password runs to the last `@` of the line not past another `scheme://`.
const USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):((?:(?![a-z][a-z0-9+.-]*:\/\/)[^\r\n])*)@/gi;
// ?key=value or &key=value whose key has a percent escape: redacted when the decoded key is a password's.
const ENCODED_PARAM = /([?&])([^=&#\s]*%[0-9a-f]{2}[^=&#\s]*)=([^&#\s]*)/gi;
// password=value, value quoted ('…' or "…") or up to the next separator (punctuation that ends a
// sentence, such as the colon after a URL in a message, stays).
const PASSWORD_PARAM = /\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&#;,)'"]*?(?=[.:]?(?:[\s&#;,)'"]|$)))/gi;

export function redactLocation(text: string): string {
  return text
    .replace(USERINFO_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
    .replace(PASSWORD_PARAM, (_m, key: string) => `${key}${REDACTED}`)
    .replace(ENCODED_PARAM, (m, sep: string, key: string) =>
      /^(ssl)?password$/i.test(safeDecode(key).trim()) ? `${sep}${key}=${REDACTED}` : m,
    );
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
