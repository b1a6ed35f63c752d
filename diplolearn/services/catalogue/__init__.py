"""The catalogue: published courses as learners read them (outline), lesson images
(images), and course files as zips (coursefiles)."""
