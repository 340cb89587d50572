// GET /docs: Swagger UI from our own origin (app/api/routes_docs.py); no inline script.
var root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  validatorUrl: null, // the default asks a public validator about our definition
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
