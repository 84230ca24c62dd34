/* Icons for what scripts draw: a <use> of the page's sprite (core/icons.py puts one
   <symbol id="i-NAME"> per icon into every page). Add a name there before using it here. */
const SVG = "http://www.w3.org/2000/svg";

/**
 * A Lucide icon, hidden from screen readers: give its button an aria-label.
 * @param {string} name Lucide's name, listed in core/icons.py SPRITE @param {number} [size]
 */
export function icon(name, size = 16) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `#i-${name}`);
  svg.append(use);
  return svg;
}
