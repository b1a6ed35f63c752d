"""Courses as files: the format (spec.py), reading (reader.py), the one canonical writer
(writer.py), validation (check.py), and moving courses in and out of the database
(importer.py, exporter.py). The format itself is documented in courses/README.md."""
