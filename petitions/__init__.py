"""E-petitions: drafting, moderation, signing, thresholds, review and answers."""
