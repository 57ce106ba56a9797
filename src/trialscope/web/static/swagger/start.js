// The API documentation page: Swagger UI over the app's own OpenAPI description (no inline script: the CSP).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
});
