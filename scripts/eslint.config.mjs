// The pages' JavaScript (app/web/static/): ES modules served as they are written (no build
// step), importing each other as "./name.js"; mostly ES5-style code inside. Leaflet (L) and
// Swagger UI are classic scripts loaded before them.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "module",
      globals: { ...globals.browser, L: "readonly", SwaggerUIBundle: "readonly" },
    },
    rules: {
      eqeqeq: ["error", "smart"],
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
  {
    // The offline map file's script (app/web/snapshot/): inlined as a classic script
    // after Leaflet and markercluster, so it imports nothing.
    files: ["**/snapshot/*.js"],
    languageOptions: { sourceType: "script" },
  },
];
