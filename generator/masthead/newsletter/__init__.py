"""Newsletter issues: the issue model, scaffolds, the email issue and sending."""
