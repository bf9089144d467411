"""Team notifications when a wave is scheduled: render (Jinja2), send (SMTP) or dry-run (.eml)."""
