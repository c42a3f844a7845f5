// Starts Swagger UI on the locally served OpenAPI schema.
(function () {
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.dataset.schemaUrl, dom_id: "#swagger-ui" });
})();
