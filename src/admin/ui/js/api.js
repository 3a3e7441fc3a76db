// The admin JSON API (docs/admin-api.md): the session cookie travels by
// itself; every state change carries the session's CSRF token.

let csrf = null;
let onSessionLost = () => {};

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function setCsrf(token) {
  csrf = token;
}

export function whenSessionLost(fn) {
  onSessionLost = fn;
}

async function errorOf(r) {
  let code = "HTTP_" + r.status, message = "";
  try {
    const j = await r.json();
    code = j.code || code;
    message = j.message || "";
  } catch (e) {
    /* not JSON: keep the status */
  }
  return new ApiError(r.status, code, message, r.headers.get("Retry-After"));
}

// api("GET", "/vendors") -> parsed JSON (null for 204). Throws ApiError.
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: "application/json" };
  let payload;
  if (body !== undefined && body !== null) {
    if (body instanceof Blob || body instanceof ArrayBuffer) {
      headers["Content-Type"] = "application/octet-stream";
      payload = body;
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  if (method !== "GET" && method !== "HEAD" && csrf) headers["X-CSRF-Token"] = csrf;
  let r;
  try {
    r = await fetch("/admin/api" + path, { method, headers, body: payload, credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, "NETWORK", "");
  }
  if (!r.ok) {
    const err = await errorOf(r);
    if (r.status === 401 && !opts.noSessionCheck && (err.code === "SESSION_EXPIRED" || err.code === "UNAUTHORIZED"))
      onSessionLost(err.code);
    throw err;
  }
  if (r.status === 204) return null;
  const ct = r.headers.get("Content-Type") || "";
  return ct.includes("json") ? r.json() : r.text();
}

// An upload with progress (fetch reports none): resolves to the parsed JSON.
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", "/admin/api" + path);
    x.setRequestHeader("Content-Type", "application/octet-stream");
    x.setRequestHeader("Accept", "application/json");
    if (csrf) x.setRequestHeader("X-CSRF-Token", csrf);
    x.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    x.onerror = () => reject(new ApiError(0, "NETWORK", ""));
    x.onload = () => {
      let j = null;
      try {
        j = JSON.parse(x.responseText);
      } catch (e) {
        /* no body */
      }
      if (x.status >= 200 && x.status < 300) return resolve(j);
      if (x.status === 401) onSessionLost(j && j.code);
      const err = new ApiError(x.status, (j && j.code) || "HTTP_" + x.status, j && j.message);
      err.body = j;
      reject(err);
    };
    x.send(file);
  });
}

// A plain GET of this server outside the admin API (the OpenAPI document).
export async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: "application/json" } });
  if (!r.ok) throw await errorOf(r);
  return r.json();
}
