/* JSON requests to the site's own API from a page (the session's cookie and CSRF token). */

/** A refusal: the server's message, and its whole answer ({"code", "subcode", "error", ...}). */
export class ApiRefusal extends Error {
  /** @param {string} message @param {number} status @param {Record<string, any>} answer */
  constructor(message, status, answer) {
    super(message);
    this.status = status;
    this.answer = answer;
  }
}

/**
 * Answers the JSON body (null for 204), or throws an ApiRefusal with the server's message.
 * @param {string} method @param {string} url @param {object} [body]
 * @returns {Promise<any>}
 */
export async function requestJson(method, url, body) {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", "X-CSRFToken": token instanceof HTMLInputElement ? token.value : "" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, credentials: "same-origin", headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiRefusal("Not connected. Try again in a moment.", 0, {});
  }
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const names = Array.isArray(answer.usernames) ? `: ${answer.usernames.join(", ")}` : "";
    const detail = answer.detail && answer.detail !== answer.error ? ` (${answer.detail})` : "";
    throw new ApiRefusal((answer.error || `Refused (${response.status})`) + names + detail, response.status, answer);
  }
  return answer;
}
