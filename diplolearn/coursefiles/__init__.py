"""A course's files in the browser (``/teach/courses/<id>/files``, ``/teach/courses/<id>/images``)
and its images' public, content-addressed URLs (``/media/images/<sha256>.<ext>``).

Instructors of the course and administrators download the canonical export as a zip, upload a
folder as a zip (checked like ``flask courses check``, then imported all or nothing on
confirmation), and upload and describe lesson images. The rules are in services/catalogue/coursefiles.py
and services/catalogue/images.py; every lookup goes through security.scoping.
"""

from flask import Blueprint

bp = Blueprint("coursefiles", __name__)

from diplolearn.coursefiles import views  # noqa: E402,F401
