"""Authoring in the browser: drafts and their edits (authoring), publishing, versions,
corrections and owners (authoring_publish), module settings (authoring_settings), and
quizzes, banks and assignments in a draft (quiz_authoring)."""
