// Prints, as JSON, what tests/test_protocol_js.py compares with the server's definitions:
// protocol.js's exports, and every string and number literal in the other scripts of static/js (with its
// file and line), parsed with acorn so that comments and regular expressions are not read as
// strings; an object literal's keys count as strings. A literal that is the first argument of addEventListener/removeEventListener (a DOM
// event) or getElementById (an element's id) names something else, and is left out.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

import { parse } from "acorn";
import { ancestor } from "acorn-walk";

const root = resolve(process.argv[2] || join(import.meta.dirname, "../../static/js"));
const DOM_NAMES = new Set(["addEventListener", "removeEventListener", "getElementById"]);

const protocol = await import(pathToFileURL(join(root, "protocol.js")).href);
const literals = [];
for (const name of readdirSync(root).filter((n) => n.endsWith(".js")).sort()) {
  if (name === "protocol.js") continue;
  const source = readFileSync(join(root, name), "utf8");
  const sourceType = /^\s*(import|export)\s/m.test(source) ? "module" : "script";
  const tree = parse(source, { ecmaVersion: "latest", sourceType, locations: true });
  const note = (value, node, ancestors) => {
    const parent = ancestors[ancestors.length - 2];
    if (parent && parent.type === "CallExpression" && parent.arguments[0] === node) {
      const callee = parent.callee;
      const called = callee.type === "MemberExpression" ? callee.property.name : callee.name;
      if (DOM_NAMES.has(called)) return;
    }
    literals.push({ file: name, line: node.loc.start.line, value });
  };
  ancestor(tree, {
    Literal(node, _state, ancestors) {
      if (typeof node.value === "string" || typeof node.value === "number") note(node.value, node, ancestors);
    },
    // A key of an object literal is a string too ({ "message.created": …, sync: … }); acorn-walk
    // does not visit keys that are not computed.
    Property(node, _state, ancestors) {
      if (node.computed || ancestors[ancestors.length - 2].type !== "ObjectExpression") return;
      if (node.key.type === "Identifier") literals.push({ file: name, line: node.loc.start.line, value: node.key.name });
      else if (typeof node.key.value === "string") literals.push({ file: name, line: node.loc.start.line, value: node.key.value });
    },
    TemplateLiteral(node, _state, ancestors) {
      for (const quasi of node.quasis) note(quasi.value.cooked, node, ancestors);
    },
  });
}
process.stdout.write(JSON.stringify({ protocol, literals }));
