/* The one "BOT" / "guest" badge after a person's name, from the person payload's flags
   (accounts.payloads.person_payload); templates/_person_badge.html draws the same. */

/**
 * The badge for this person, or null for an ordinary one (or a deleted user).
 * @param {{ is_bot?: boolean, is_guest?: boolean } | null | undefined} person
 * @returns {HTMLSpanElement | null}
 */
export function personBadge(person) {
  if (!person || !(person.is_bot || person.is_guest)) return null;
  const badge = document.createElement("span");
  badge.className = "person-badge " + (person.is_bot ? "person-badge-bot" : "person-badge-guest");
  badge.textContent = person.is_bot ? "BOT" : "guest";
  badge.title = person.is_bot ? "A bot: a program's account" : "A guest: sees only the rooms they were invited to";
  return badge;
}

/**
 * Append the person's badge (if any) to ``element``.
 * @param {HTMLElement} element @param {{ is_bot?: boolean, is_guest?: boolean } | null | undefined} person
 */
export function appendBadge(element, person) {
  const badge = personBadge(person);
  if (badge) element.append(badge);
}
