/* The notification settings' PUTs, from the page (the session's cookie and CSRF token). */

/** Answers the JSON body, or throws an Error with the server's message. @param {string} url @param {object} body */
export async function putJson(url, body) {
  const token = document.querySelector("[name=csrfmiddlewaretoken]");
  const response = await fetch(url, {
    method: "PUT",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": token instanceof HTMLInputElement ? token.value : "",
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `The change was refused (${response.status}).`);
  return answer;
}
