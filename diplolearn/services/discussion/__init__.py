"""Discussion on the text: annotations, threads, moderation, digests and text
sessions (discussion)."""
