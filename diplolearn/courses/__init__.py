"""Courses as files: the format (spec.py), YAML read with line numbers and written canonically
(yamlfile.py), reading (reader.py, read_assessment.py), the one canonical writer (writer.py),
validation (check.py with checker.py, check_content.py, check_assessment.py), and moving courses
in and out of the database (importer.py, exporter.py). A question's own fields are read,
written, checked and stored by its type (diplolearn/questions/). The format itself is
documented in courses/README.md."""
