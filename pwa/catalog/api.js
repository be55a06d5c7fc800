// GET requests to the public API; failures become one error the page can show with a retry.

export class LoadError extends Error {}

export async function getJson(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined));
  const url = query.toString() ? `${path}?${query}` : path;
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new LoadError(err.message);
  }
  if (!res.ok) throw new LoadError(`${res.status} ${url}`);
  return res.json();
}
