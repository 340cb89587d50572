// The pages' JavaScript (app/web/static/): classic scripts, mostly ES5 syntax as the oldest in-app
// browsers (WeChat's) still read them; each wraps itself in a function and shares names
// through window.aidmap. Leaflet (L) and Swagger UI are vendored beside them.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2018,
      sourceType: "script",
      globals: { ...globals.browser, ...globals.es2017, L: "readonly", SwaggerUIBundle: "readonly" },
    },
    rules: {
      eqeqeq: ["error", "smart"],
      "no-unused-vars": ["error", { caughtErrors: "none" }],
    },
  },
];
