"""Courses as files: the format (spec.py), YAML read with line numbers and written canonically
(yamlfile.py), reading (reader.py, read_assessment.py), the one canonical writer (writer.py),
validation (check.py with checker.py, check_content.py, check_assessment.py), and image files
judged from their bytes (image_files.py). Pure: no database, no services, no app (a test holds
it to that); moving courses in and out of the database is services/catalogue/ (course_import.py,
course_loader.py, course_export.py). A question's own fields are read, written, checked and
stored by its type (diplolearn/questions/). The format itself is documented in
courses/README.md."""
