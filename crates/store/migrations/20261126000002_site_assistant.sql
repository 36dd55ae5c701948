-- Per-site assistant settings (provider, model, prompt...). Kept as JSON so the
-- assistant can grow options without a migration each; secrets never leave the server.
ALTER TABLE sites ADD COLUMN assistant jsonb NOT NULL DEFAULT '{}'::jsonb;
