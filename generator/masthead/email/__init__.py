"""The email-ready issue: web issue HTML -> email HTML, plain text, .eml;
a client support check; sending over SMTP; pushing a draft to a provider."""
