// ESLint for the JavaScript in static/js (browser ES modules) and its tests (Node).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/node_modules/", ".venv/", "var/"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
  {
    // Classic scripts (no import/export), loaded with defer (theme.js: in <head>, before the first paint).
    files: ["static/js/suggest.js", "static/js/tour.js", "static/js/theme.js", "static/js/widget/loader.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    // The service worker: a classic script too (served at /sw.js by uchat/pwa.py), in a worker.
    files: ["static/js/sw.js"],
    languageOptions: { sourceType: "script", globals: globals.serviceworker },
  },
  {
    files: ["tests/js/**/*.js", "tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
  {
    rules: {
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-throw-literal": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-console": "error",
      curly: ["error", "multi-line"],
    },
  },
];
