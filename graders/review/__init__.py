"""The staff review app: grade what needs a person, by question, in a browser.

``gradebook`` is the SQLite record of every person's grade (the only part the grading
pipeline imports); ``groups`` puts equal and similar answers together; ``rubric`` seeds rubric
items from a question's rubric text; ``render`` writes a student's page, the class page and
``grades.csv`` again without executing a notebook; ``app`` is the web app (Starlette) and
``command`` its command line (``grade.py review``, ``grade.py overrides export``).
"""
