"""Who may see what, and the record of it: installation keys, the transactional store (SQLite / PostgreSQL),
accounts and sign-in, sessions and the cookie routes, the viewer's scope, masking, the audit log.
May import fupin.core only."""
